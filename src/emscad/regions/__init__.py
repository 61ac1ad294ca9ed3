"""Regions: road networks, addresses and places, their files, the OSM importer and the generator."""
