// The organisations API, bound to the URLs the page names in data-api-urls.
import { getJSON, postFile, postJSON } from '../common/api.js';
import { withId } from '../common/dom.js';

/** Getters and actions of the organisations API; `urls` holds the routes by key. */
export function createOrgApi(urls) {
  const url = (key, params = {}) => {
    let out = urls[key];
    for (const [name, value] of Object.entries(params)) {
      out = out.replace(`{${name}}`, encodeURIComponent(String(value)));
    }
    return out;
  };
  return {
    url,
    me: () => getJSON(urls.me),
    communities: () => getJSON(urls.communities),
    cells: () => getJSON(urls.cells),
    streets: () => getJSON(urls.streets),
    units: () => getJSON(urls.units),
    coverage: (communityId) => getJSON(urls.coverage, { community_id: communityId }),
    tree: () => getJSON(urls.tree),
    teams: (communityId) => getJSON(urls.teams, { community_id: communityId }),
    workers: () => getJSON(urls.workers),
    zones: () => getJSON(urls.zones),
    assignments: (cellId, history = false) =>
      getJSON(withId(urls.assignments, cellId), { history: history ? 'true' : '' }),
    assign: (cellId, kind, targetId) =>
      postJSON(withId(urls.assignments, cellId), { kind, target_id: targetId }),
    endAssignment: (assignmentId) => postJSON(withId(urls.end, assignmentId), {}),
    members: (cellId) => getJSON(withId(urls.members, cellId)),
    registrations: (cellId) => getJSON(withId(urls.registrations, cellId)),
    createOrg: (body) => postJSON(urls.create, body),
    renameOrg: (orgId, body) => postJSON(withId(urls.rename, orgId), body),
    moveOrg: (orgId, parentId) => postJSON(withId(urls.move, orgId), { parent_id: parentId }),
    dissolveOrg: (orgId) => postJSON(withId(urls.dissolve, orgId), {}),
    importFile: (kind, file, params) => postFile(url('import', { kind }), file, params),
    /** A member's 党员责任区: a GeoJSON polygon, or null to clear it. */
    saveArea: (memberId, geometry) =>
      postJSON(url('area', { id: memberId }), geometry ? { geometry } : { clear: true }),
  };
}
