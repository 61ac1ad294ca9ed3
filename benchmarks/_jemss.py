"""Load a JEMSS road graph (nodes.csv, arcs.csv in a zip) as an emscad RoadNetwork.

JEMSS (uoa-ems-research/JEMSS.jl) ships real city graphs whose arcs carry travel times for
two modes, in days: mode 1 is lights and sirens, mode 2 normal driving. Each directed arc
becomes a one-way straight segment.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np

from emscad.regions.model import RoadNetwork

DAY_S = 86_400.0


def _table(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    # a title row, then the header row, then data until an empty or non-numeric first cell
    header = 1
    data = []
    for row in rows[header + 1 :]:
        if not row or not row[0].strip():
            break
        try:
            float(row[0])
        except ValueError:
            break
        data.append(row)
    return data


def load_jemss(path: Path) -> RoadNetwork:
    with zipfile.ZipFile(path) as zf:
        nodes = _table(zf.read("nodes.csv").decode())
        arcs_text = zf.read("arcs.csv").decode()
    lines = arcs_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("arcs"))
    arcs = _table("\n".join(lines[start:]))
    lon = np.array([float(r[1]) for r in nodes])
    lat = np.array([float(r[2]) for r in nodes])
    src = np.array([int(float(r[1])) - 1 for r in arcs], np.int32)
    dst = np.array([int(float(r[2])) - 1 for r in arcs], np.int32)
    km = np.array([float(r[3]) for r in arcs])
    ls = np.array([float(r[4]) for r in arcs]) * DAY_S
    normal = np.array([float(r[5]) for r in arcs]) * DAY_S
    k = len(src)
    shape_lon = np.column_stack([lon[src], lon[dst]]).ravel()
    shape_lat = np.column_stack([lat[src], lat[dst]]).ravel()
    seg = np.arange(k, dtype=np.int32)
    zeros = np.zeros(k, np.int32)
    network = RoadNetwork(
        node_lon=lon,
        node_lat=lat,
        seg_u=src,
        seg_v=dst,
        seg_shape_offsets=np.arange(0, 2 * k + 1, 2, dtype=np.int64),
        shape_lon=shape_lon,
        shape_lat=shape_lat,
        seg_length_m=km * 1000,
        seg_class=np.zeros(k, np.uint8),
        seg_name=np.full(k, -1, np.int32),
        seg_oneway=np.ones(k, bool),
        seg_left_from=zeros,
        seg_left_to=zeros,
        seg_right_from=zeros,
        seg_right_to=zeros,
        seg_zip_left=np.full(k, -1, np.int32),
        seg_zip_right=np.full(k, -1, np.int32),
        edge_src=src,
        edge_dst=dst,
        edge_seg=seg,
        edge_forward=np.ones(k, bool),
        edge_length_m=km * 1000,
        edge_time_s=normal,
        edge_time_ls_s=ls,
    )
    network.validate()
    return network
