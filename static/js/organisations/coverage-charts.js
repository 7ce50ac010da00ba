// Charts of the coverage report (vendored Chart.js, window.Chart): cells per community
// stacked by status (the map's colours), and a doughnut of the blind spots by main reason.
import { STATUS_LABELS, cellStatus, statusColour } from './dom.js';

const Chart = window.Chart;
// Bottom to top in the stacked bars: complete first, the worst last.
const STACK_ORDER = ['complete', 'no_hub', 'no_team', 'no_worker', 'no_party_org'];
const BLIND_REASONS = ['no_party_org', 'no_worker', 'no_team'];
const NOT_BLIND_COLOUR = '#c8e6c9';

function countBy(cells, key) {
  const out = new Map();
  for (const cell of cells) {
    const k = key(cell);
    out.set(k, (out.get(k) || 0) + 1);
  }
  return out;
}

export class CoverageCharts {
  constructor(barCanvas, doughnutCanvas) {
    if (!Chart) throw new Error('Chart.js 未加载');
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.animation.duration = 300;
    this.bar = new Chart(barCanvas, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        indexAxis: 'y',
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true, title: { display: true, text: '网格数' }, ticks: { precision: 0 } },
          y: { stacked: true },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    this.doughnut = new Chart(doughnutCanvas, {
      type: 'doughnut',
      data: { labels: [], datasets: [] },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  update(report) {
    const statusOf = new Map(report.cells.map((c) => [c.cell_id, cellStatus(c)]));
    this.bar.data.labels = report.communities.map((c) => c.label);
    this.bar.data.datasets = STACK_ORDER.map((status) => ({
      label: STATUS_LABELS[status],
      backgroundColor: statusColour(status),
      data: report.communities.map(
        (community) =>
          report.cells.filter(
            (c) => c.community_id === community.community_id && statusOf.get(c.cell_id) === status,
          ).length,
      ),
    }));
    this.bar.update();

    const counts = countBy(report.cells, (c) => statusOf.get(c.cell_id));
    const blind = BLIND_REASONS.map((status) => counts.get(status) || 0);
    const notBlind = report.cells.length - blind.reduce((a, b) => a + b, 0);
    this.doughnut.data.labels = [
      ...BLIND_REASONS.map((s, i) => `盲点·${STATUS_LABELS[s]} ${blind[i]}`),
      `非盲点 ${notBlind}`,
    ];
    this.doughnut.data.datasets = [
      {
        data: [...blind, notBlind],
        backgroundColor: [...BLIND_REASONS.map(statusColour), NOT_BLIND_COLOUR],
      },
    ];
    this.doughnut.update();
  }
}
