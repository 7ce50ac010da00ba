// Small screens, on every page (loaded by base.html before the page's own module):
// - the top bar's menu button opens and closes the navigation (phones only; CSS hides it
//   elsewhere);
// - <details data-phone-closed> (legends, settings panels) start closed on a phone, so that
//   the map comes first; they open again when the screen becomes wide;
// - tables with class `cards-on-phone` get each cell labelled with its column's header
//   (data-label), which phone CSS shows in front of the value when rows become cards. Tables
//   are filled by scripts, so the labels follow every change of the table.

export const NARROW = window.matchMedia('(max-width: 700px)');

function setUpMenu() {
  const bar = document.querySelector('header.topbar');
  const toggle = bar && bar.querySelector('.menu-toggle');
  if (!toggle) return;
  const setOpen = (open) => {
    bar.classList.toggle('menu-open', open);
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', () => setOpen(!bar.classList.contains('menu-open')));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') setOpen(false);
  });
  document.addEventListener('click', (event) => {
    if (!bar.contains(event.target)) setOpen(false);
  });
}

function foldForScreen() {
  const details = document.querySelectorAll('details[data-phone-closed]');
  for (const d of details) d.open = !NARROW.matches;
}

function headerLabels(table) {
  const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
  if (!head) return [];
  const labels = [];
  for (const cell of head.cells) {
    for (let i = 0; i < cell.colSpan; i += 1) labels.push(cell.textContent.trim());
  }
  return labels;
}

function labelCells(table) {
  const labels = headerLabels(table);
  const sections = [...table.tBodies];
  if (table.tFoot) sections.push(table.tFoot);
  for (const section of sections) {
    for (const row of section.rows) {
      let column = 0;
      for (const cell of row.cells) {
        const label = labels[column] || '';
        if (cell.dataset.label !== label) cell.dataset.label = label;
        column += cell.colSpan;
      }
    }
  }
}

function labelTables() {
  for (const table of document.querySelectorAll('table.cards-on-phone')) {
    labelCells(table);
    // Attribute changes are not observed, so labelling does not call itself again.
    new MutationObserver(() => labelCells(table)).observe(table, {
      childList: true,
      subtree: true,
    });
  }
}

setUpMenu();
foldForScreen();
NARROW.addEventListener('change', foldForScreen);
labelTables();
