// Fetch helpers for the JSON API: same-origin cookies, the CSRF token on every write, JSON
// errors with Chinese messages.

export class ApiError extends Error {
  /** `body` is the JSON error document when there is one ({code, status, message, ...}). */
  constructor(status, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** Turn a response that is not ok into an ApiError with the server's Chinese message. */
async function failure(response) {
  let message = `请求失败（${response.status}）`;
  let body = null;
  try {
    body = await response.json();
    if (body && typeof body.message === 'string') message = body.message;
  } catch (err) {
    // not JSON: keep the generic message
  }
  return new ApiError(response.status, message, body);
}

/** Fetch with the session cookie; answers the response when it is ok, else throws an ApiError. */
async function send(url, options) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', ...options });
  } catch (err) {
    throw new ApiError(0, '网络连接失败，请稍后重试');
  }
  if (!response.ok) throw await failure(response);
  return response;
}

/** `url` (relative to the page) with `params` as query parameters (arrays repeat the key). */
function withParams(url, params) {
  const target = new URL(url, window.location.href);
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') target.searchParams.append(key, String(v));
    }
  }
  return target;
}

/** GET a JSON document; `params` become query parameters (arrays repeat the key). */
export async function getJSON(url, params = {}) {
  const response = await send(withParams(url, params), {
    headers: { Accept: 'application/json' },
  });
  return response.json();
}

/** The page's CSRF token (base.html's meta tag), sent with every write. */
function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

/** POST a JSON body; answers the JSON document, or throws an ApiError (with `body`). */
export async function postJSON(url, body) {
  const response = await send(new URL(url, window.location.href), {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'X-CSRFToken': csrfToken(),
    },
    body: JSON.stringify(body),
  });
  return response.json();
}

/**
 * POST a file as multipart/form-data (field `file`), `params` as query parameters; answers
 * the JSON document (null when there is none) or throws an ApiError whose `body` is the
 * server's error document (e.g. 422 with errors.rows).
 */
export async function postFile(url, file, params = {}) {
  const form = new FormData();
  form.append('file', file, file.name);
  const response = await send(withParams(url, params), {
    method: 'POST',
    headers: { Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: form,
  });
  try {
    return await response.json();
  } catch (err) {
    return null; // not JSON
  }
}

/**
 * POST a whole form as multipart/form-data (its file inputs included); answers the JSON
 * document, or throws an ApiError whose `body` is the server's error document.
 */
export async function postForm(url, form) {
  const response = await send(new URL(url, window.location.href), {
    method: 'POST',
    headers: { Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: new FormData(form),
  });
  return response.json();
}

/** Bind the API routes named by the page (key -> URL) to getters. */
export function createApi(urls) {
  const get = (key) => (params) => getJSON(urls[key], params);
  return {
    me: get('me'),
    communities: get('communities'),
    cells: get('cells'),
    buildings: get('buildings'),
    streets: get('streets'),
    servicePoints: get('service_points'),
  };
}
