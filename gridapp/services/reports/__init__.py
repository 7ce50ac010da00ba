"""Reports upward (报告): a printable report of a subdistrict or a community — map, cells,
organisation and service coverage with their blind spots — built from the coverage
services' own figures. Counts only: no resident is ever named."""
