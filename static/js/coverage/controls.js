// The parameter form of the service page: walking time (preset buttons or a number), speed
// (常规 / 老年人步速 or a number), the kinds of service point that count, the subdistrict.
// `onChange(params)` is called (debounced) whenever the parameters change and are valid.

const DEBOUNCE_MS = 350;

/** Metres walked in `minutes` at `speed` km/h. */
export function walkMetres(minutes, speed) {
  return (minutes * speed * 1000) / 60;
}

function pressPresets(buttons, attribute, value) {
  for (const b of buttons) {
    b.setAttribute('aria-pressed', String(Number(b.dataset[attribute]) === value));
  }
}

export function bindControls(form, limits, onChange) {
  const minutes = form.elements.minutes;
  const speed = form.elements.speed;
  const kindBoxes = [...form.querySelectorAll('input[name="kind"]')];
  const subdistrict = form.elements.subdistrict_id;
  const minuteButtons = [...form.querySelectorAll('button[data-minutes]')];
  const speedButtons = [...form.querySelectorAll('button[data-speed]')];
  const error = form.querySelector('.svc-form-error');
  const distance = form.querySelector('.svc-distance');
  let timer = null;
  let last = '';

  function inRange(value, [min, max]) {
    return Number.isFinite(value) && value >= min && value <= max;
  }

  /** The current parameters, or null with a Chinese message when a value is out of range. */
  function read() {
    const m = Number(minutes.value);
    const s = Number(speed.value);
    if (!inRange(m, limits.minutes)) {
      return { problem: `步行时间应在 ${limits.minutes[0]}–${limits.minutes[1]} 分钟之间` };
    }
    if (!inRange(s, limits.speed)) {
      return { problem: `步行速度应在 ${limits.speed[0]}–${limits.speed[1]} km/h 之间` };
    }
    const chosen = kindBoxes.filter((b) => b.checked).map((b) => b.value);
    if (!chosen.length) return { problem: '请至少选择一类服务阵地' };
    // every kind: say none (the API's "all kinds"), which keeps URLs and exports short
    const kinds = chosen.length === kindBoxes.length ? [] : chosen;
    const params = { minutes: m, speed: s, kinds };
    if (subdistrict && subdistrict.value) params.subdistrict_id = Number(subdistrict.value);
    return { params };
  }

  function update(now = false) {
    pressPresets(minuteButtons, 'minutes', Number(minutes.value));
    pressPresets(speedButtons, 'speed', Number(speed.value));
    const { params, problem } = read();
    error.textContent = problem || '';
    error.hidden = !problem;
    if (!params) return;
    const metres = Math.round(walkMetres(params.minutes, params.speed));
    const walk = `${params.minutes} 分钟 × ${params.speed} km/h`;
    distance.textContent = `${walk} ≈ 步行 ${metres.toLocaleString('zh-CN')} 米`;
    const key = JSON.stringify(params);
    if (key === last) return;
    clearTimeout(timer);
    const fire = () => {
      last = key;
      onChange(params);
    };
    if (now) fire();
    else timer = setTimeout(fire, DEBOUNCE_MS);
  }

  for (const b of minuteButtons) {
    b.addEventListener('click', () => {
      minutes.value = b.dataset.minutes;
      update(true);
    });
  }
  for (const b of speedButtons) {
    b.addEventListener('click', () => {
      speed.value = b.dataset.speed;
      update(true);
    });
  }
  for (const b of form.querySelectorAll('button[data-kinds]')) {
    b.addEventListener('click', () => {
      for (const box of kindBoxes) box.checked = b.dataset.kinds === 'all';
      update();
    });
  }
  form.addEventListener('input', () => update());
  form.addEventListener('change', () => update());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    update(true);
  });

  return {
    /** The parameters now (valid ones), for the first load. */
    start() {
      update(true);
    },
    current() {
      return read().params || null;
    },
  };
}
