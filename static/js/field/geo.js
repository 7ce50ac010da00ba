// The phone's position (navigator.geolocation), with Chinese messages when it is refused or
// unavailable. Records never wait long for it: a visit is saved without a position when
// none comes quickly.

const MESSAGES = {
  1: '未获得定位权限：请在浏览器或手机设置中允许本网站使用位置信息',
  2: '暂时无法获取位置：请到开阔处或打开手机的定位服务后重试',
  3: '定位超时，请稍后重试',
};

export class GeoError extends Error {}

/** The position {lat, lon, accuracy} or a GeoError with a Chinese message. */
export function locate({ timeout = 10000, maximumAge = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!window.isSecureContext) {
      reject(new GeoError('定位需要安全连接（HTTPS），当前连接无法定位'));
      return;
    }
    if (!('geolocation' in navigator)) {
      reject(new GeoError('此浏览器不支持定位'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) =>
        resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }),
      (err) => reject(new GeoError(MESSAGES[err.code] || '无法获取位置')),
      { enableHighAccuracy: true, timeout, maximumAge },
    );
  });
}

/** Start asking for the position; `.result(ms)` then gives it, or null after at most `ms`. */
export function startLocating(options = { timeout: 6000, maximumAge: 60000 }) {
  const state = { position: null, error: null };
  const asked = locate(options).then(
    (position) => {
      state.position = position;
      return position;
    },
    (err) => {
      state.error = err;
      return null;
    },
  );
  return {
    state,
    asked,
    result(ms) {
      const late = new Promise((resolve) => window.setTimeout(() => resolve(null), ms));
      return Promise.race([asked, late]);
    },
  };
}

/** "约 12 米" for an accuracy in metres. */
export function accuracyText(position) {
  if (!position || !Number.isFinite(position.accuracy)) return '';
  return `约 ${Math.round(position.accuracy)} 米`;
}
