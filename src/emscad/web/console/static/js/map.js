// The map: the region's own roads drawn on canvas from /api/map/tiles (offline), or an
// agency's raster tile server when EMSCAD_TILE_URL is set; units by status with their call
// signs, incidents by priority, hospitals, stations, and alarms that stand out above all.

import { get } from './api.js';
import { unitStatusLabel } from './domain.js';
import { h, secondsSince } from './util.js';

const L = globalThis.L;

// Road classes as stored in region files (regions/roads.py RoadClass).
const ROADS = {
  0: { color: '#f3a552', width: 4 }, // motorway
  1: { color: '#f3a552', width: 3.5 }, // trunk
  2: { color: '#e8d37c', width: 3 }, // primary
  3: { color: '#d6d3a8', width: 2.6 }, // secondary
  4: { color: '#c3cad2', width: 2.2 }, // tertiary
  5: { color: '#98a2ae', width: 1.6 }, // unclassified
  6: { color: '#98a2ae', width: 1.6 }, // residential
  7: { color: '#7c8692', width: 1.3 }, // living street
  8: { color: '#66707c', width: 1 }, // service
  9: { color: '#d99044', width: 2.2 }, // motorway link
  10: { color: '#d99044', width: 2 }, // trunk link
  11: { color: '#cdb866', width: 2 }, // primary link
  12: { color: '#bdbb94', width: 1.8 }, // secondary link
  13: { color: '#aab1b9', width: 1.6 }, // tertiary link
  14: { color: '#98a2ae', width: 1.6 }, // unknown
};

function zoomScale(z) {
  return Math.max(0.45, Math.min(2.6, 2 ** ((z - 14) / 2)));
}

// A GridLayer that draws each tile's roads on a canvas at the screen's pixel density.
function roadLayer(url, attribution, maxZoom) {
  const Layer = L.GridLayer.extend({
    createTile(coords, done) {
      const size = this.getTileSize();
      const ratio = window.devicePixelRatio || 1;
      const canvas = document.createElement('canvas');
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      const path = url.replace('{z}', coords.z).replace('{x}', coords.x).replace('{y}', coords.y);
      fetch(path, { credentials: 'same-origin' })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`tile ${r.status}`))))
        .then((tile) => {
          drawRoads(canvas.getContext('2d'), tile, (size.x * ratio) / tile.extent, coords.z, ratio);
          done(null, canvas);
        })
        .catch((err) => done(err, canvas));
      return canvas;
    },
  });
  return new Layer({ attribution, maxZoom, maxNativeZoom: maxZoom, className: 'roads' });
}

function drawRoads(ctx, tile, scale, z, ratio) {
  const zs = zoomScale(z) * ratio;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  // Casing first (a dark edge), then the fill, for the major roads; one pass for the rest.
  for (const pass of ['casing', 'fill']) {
    for (const [cls, , flat] of tile.roads) {
      const style = ROADS[cls] || ROADS[14];
      if (pass === 'casing' && cls > 4 && cls < 9) continue;
      ctx.beginPath();
      ctx.moveTo(flat[0] * scale, flat[1] * scale);
      for (let i = 2; i < flat.length; i += 2) ctx.lineTo(flat[i] * scale, flat[i + 1] * scale);
      if (pass === 'casing') {
        ctx.strokeStyle = '#0b0e12';
        ctx.lineWidth = style.width * zs + 2 * ratio;
      } else {
        ctx.strokeStyle = style.color;
        ctx.lineWidth = style.width * zs;
      }
      ctx.stroke();
    }
  }
  if (tile.names.length) drawLabels(ctx, tile, scale, ratio);
}

// Street names along the longest straight piece of each named road, upright, skipped where
// they would overlap a label already drawn or run off the tile.
function drawLabels(ctx, tile, scale, ratio) {
  const best = new Map();
  for (const [, name, flat] of tile.roads) {
    if (name < 0) continue;
    for (let i = 0; i + 3 < flat.length; i += 2) {
      const x0 = flat[i] * scale; const y0 = flat[i + 1] * scale;
      const x1 = flat[i + 2] * scale; const y1 = flat[i + 3] * scale;
      const len = Math.hypot(x1 - x0, y1 - y0);
      if (!best.has(name) || best.get(name).len < len) best.set(name, { x0, y0, x1, y1, len });
    }
  }
  const size = ctx.canvas.width;
  ctx.font = `${11 * ratio}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const placed = [];
  for (const [name, seg] of best) {
    const text = tile.names[name];
    const width = ctx.measureText(text).width;
    if (seg.len < width + 8 * ratio) continue;
    const cx = (seg.x0 + seg.x1) / 2;
    const cy = (seg.y0 + seg.y1) / 2;
    const half = width / 2 + 4 * ratio;
    if (cx - half < 0 || cx + half > size || cy - half < 0 || cy + half > size) continue;
    if (placed.some((p) => Math.hypot(p.x - cx, p.y - cy) < p.r + half)) continue;
    placed.push({ x: cx, y: cy, r: half });
    let angle = Math.atan2(seg.y1 - seg.y0, seg.x1 - seg.x0);
    if (angle > Math.PI / 2) angle -= Math.PI;
    if (angle < -Math.PI / 2) angle += Math.PI;
    ctx.save();
    ctx.translate(cx, cy);
    ctx.rotate(angle);
    ctx.lineWidth = 3 * ratio;
    ctx.strokeStyle = '#12161c';
    ctx.strokeText(text, 0, 0);
    ctx.fillStyle = '#e9eef3';
    ctx.fillText(text, 0, 0);
    ctx.restore();
  }
}

function icon(el) {
  return L.divIcon({ className: 'mk', html: el, iconSize: [0, 0] });
}

export class ConsoleMap {
  constructor(element, { store, onSelectIncident = () => {}, staleAfterS = 120 }) {
    this.element = element;
    this.store = store;
    this.onSelectIncident = onSelectIncident;
    this.staleAfterS = staleAfterS;
    this.markers = { unit: new Map(), incident: new Map(), hospital: new Map(), station: new Map(), alarm: new Map() };
    this.selected = null;
    this.map = null;
  }

  async start() {
    if (!L) {
      this.element.replaceChildren(h('p', { class: 'map-error' },
        'The map library is not installed on the server (run scripts/setup). Everything else works.'));
      return;
    }
    const config = await get('/api/map/config');
    this.staleAfterS = config.stale_after_s || this.staleAfterS;
    this.map = L.map(this.element, { zoomControl: true, keyboard: true, preferCanvas: false, minZoom: 8 });
    const [west, south, east, north] = config.bbox;
    this.map.fitBounds([[south, west], [north, east]]);
    const base = config.basemap;
    if (base.kind === 'raster') {
      L.tileLayer(base.url, { attribution: base.attribution, maxZoom: base.max_zoom }).addTo(this.map);
    } else {
      roadLayer(base.url, base.attribution, base.max_zoom).addTo(this.map);
    }
    this.layers = {
      station: L.layerGroup().addTo(this.map),
      hospital: L.layerGroup().addTo(this.map),
      incident: L.layerGroup().addTo(this.map),
      unit: L.layerGroup().addTo(this.map),
      alarm: L.layerGroup().addTo(this.map),
    };
    this.update();
    return config;
  }

  invalidate() {
    this.map?.invalidateSize();
  }

  // Bring markers in line with the store: add, move, restyle, remove.
  update() {
    if (!this.map) return;
    const s = this.store;
    this.sync('station', [...s.stations.values()], (st) => [st.lat, st.lon], (st) => st.name,
      () => h('span', { class: 'mk-station', title: '' }));
    this.sync('hospital', [...s.hospitals.values()], (ho) => [ho.lat, ho.lon],
      (ho) => `${ho.name}${ho.diversion ? ' — ON DIVERSION' : ''}`,
      (ho) => h('span', { class: `mk-hospital${ho.diversion ? ' diversion' : ''}` }, 'H'),
      (ho) => String(ho.diversion));
    const open = s.queue().filter((i) => i.location.lat !== null && i.location.lon !== null);
    this.sync('incident', open, (i) => [i.location.lat, i.location.lon],
      (i) => `${i.number} P${i.priority} ${i.chief_complaint || ''} — ${i.location.text}`,
      (i) => h('span', { class: `mk-incident p${i.priority}${i.id === this.selected ? ' selected' : ''}` }, `P${i.priority}`),
      (i) => `${i.priority}-${i.id === this.selected}`,
      (i) => this.onSelectIncident(i.id));
    const placed = s.unitList().map((u) => ({ u, at: this.unitPlace(u) })).filter((p) => p.at);
    this.sync('unit', placed.map((p) => ({ ...p.u, place: p.at })), (u) => u.place.latlng,
      (u) => `${u.call_sign}: ${unitStatusLabel(u.status)}${u.place.note}`,
      (u) => h('span', { class: `mk-unit st-${u.status}${u.place.stale ? ' stale' : ''}` }, u.call_sign),
      (u) => `${u.status}-${u.call_sign}-${u.place.stale}`);
  }

  // Where to draw a unit: its last AVL fix, else its station while in quarters.
  unitPlace(u) {
    if (u.position) {
      const ageS = secondsSince(u.position.at);
      const stale = ageS !== null && ageS > this.staleAfterS;
      return { latlng: [u.position.lat, u.position.lon], stale, note: stale ? ' (position is old)' : '' };
    }
    const st = u.station && this.store.stations.get(u.station);
    if (st && u.status === 'available_at_station') return { latlng: [st.lat, st.lon], stale: false, note: ' (at its station)' };
    return null;
  }

  sync(kind, items, latlng, title, makeIcon, key = () => '', onClick = null) {
    const markers = this.markers[kind];
    const seen = new Set();
    for (const item of items) {
      seen.add(item.id);
      const k = key(item);
      let entry = markers.get(item.id);
      if (!entry) {
        const marker = L.marker(latlng(item), { icon: icon(makeIcon(item)), title: title(item), keyboard: Boolean(onClick), riseOnHover: true });
        if (onClick) marker.on('click', () => onClick(item));
        marker.addTo(this.layers[kind]);
        entry = { marker, key: k };
        markers.set(item.id, entry);
      } else {
        entry.marker.setLatLng(latlng(item));
        if (entry.key !== k) {
          entry.marker.setIcon(icon(makeIcon(item)));
          entry.key = k;
        }
        const el = entry.marker.getElement();
        if (el) el.title = title(item);
      }
    }
    for (const [id, entry] of markers) {
      if (!seen.has(id)) {
        entry.marker.remove();
        markers.delete(id);
      }
    }
  }

  select(incidentId) {
    this.selected = incidentId;
    this.update();
  }

  focusIncident(incidentId) {
    const inc = this.store.incidents.get(incidentId);
    if (!this.map || !inc || inc.location.lat === null) return;
    this.map.panTo([inc.location.lat, inc.location.lon]);
  }

  showAlarm(alarm) {
    if (!this.map || !alarm.position) return;
    const at = [alarm.position.lat, alarm.position.lon];
    const label = { sos: 'SOS', watch: 'WATCH', checkin: 'CHECK-IN' }[alarm.kind] || 'ALARM';
    let entry = this.markers.alarm.get(alarm.id);
    if (!entry) {
      const marker = L.marker(at, {
        icon: icon(h('span', { class: `mk-alarm kind-${alarm.kind}` }, label)),
        zIndexOffset: 10000,
        title: `${alarm.title}: ${alarm.detail}`,
      });
      const circle = alarm.position.uncertainty_m
        ? L.circle(at, { radius: alarm.position.uncertainty_m, color: '#ff5252', weight: 2, fillOpacity: 0.1 })
        : null;
      marker.addTo(this.layers.alarm);
      circle?.addTo(this.layers.alarm);
      entry = { marker, circle };
      this.markers.alarm.set(alarm.id, entry);
    } else {
      entry.marker.setLatLng(at);
      entry.circle?.setLatLng(at);
    }
  }

  clearAlarm(id) {
    const entry = this.markers.alarm.get(id);
    if (!entry) return;
    entry.marker.remove();
    entry.circle?.remove();
    this.markers.alarm.delete(id);
  }

  focusAlarm(alarm) {
    if (!this.map || !alarm.position) return;
    this.map.setView([alarm.position.lat, alarm.position.lon], Math.max(this.map.getZoom(), 16));
  }
}
