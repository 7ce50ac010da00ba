"""The demo pipeline: a source (OSM extract or generated subdistrict) → blocks →
communities → cells → service points, party organisations, members and teams."""
