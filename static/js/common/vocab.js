// Words of the server's vocabularies (gridapp/core/vocab.py) that several pages show.

/** What a cell's organisation coverage looks for, most important first (API key, label). */
export const ORG_ITEMS = [
  ['party_org', '党组织'],
  ['worker', '网格员'],
  ['team', '服务队'],
  ['hub', '党员中心户'],
];
