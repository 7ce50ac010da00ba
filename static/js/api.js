// Fetch helpers for the JSON API: same-origin cookies, JSON errors with Chinese messages.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** GET a JSON document; `params` become query parameters (arrays repeat the key). */
export async function getJSON(url, params = {}) {
  const target = new URL(url, window.location.href);
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') target.searchParams.append(key, String(v));
    }
  }
  let response;
  try {
    response = await fetch(target, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
  } catch (err) {
    throw new ApiError(0, '网络连接失败，请稍后重试');
  }
  if (!response.ok) {
    let message = `请求失败（${response.status}）`;
    try {
      const body = await response.json();
      if (body && typeof body.message === 'string') message = body.message;
    } catch (err) {
      // not JSON: keep the generic message
    }
    throw new ApiError(response.status, message);
  }
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
