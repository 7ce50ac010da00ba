// The editing API as the editor uses it. The page names the routes (data-api-urls); routes
// with an id carry a placeholder the id replaces. Writes send the CSRF token (api.js).

import { createApi, getJSON, postJSON } from '../common/api.js';

export function createEditorApi(urls, placeholder) {
  const withId = (key, id) => {
    if (!Number.isInteger(id) || id < 1) throw new Error(`invalid id: ${id}`);
    return urls[key].replace(String(placeholder), String(id));
  };
  return {
    ...createApi(urls),
    history: (cellId) => getJSON(withId('history', cellId)),
    save: (body) => postJSON(urls.save, body),
    split: (cellId, body) => postJSON(withId('split', cellId), body),
    merge: (body) => postJSON(urls.merge, body),
    draw: (body) => postJSON(urls.draw, body),
    rename: (cellId, body) => postJSON(withId('rename', cellId), body),
    revert: (changeId, body) => postJSON(withId('revert', changeId), body),
  };
}
