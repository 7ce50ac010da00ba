// Bulk import (coordinators and admins): pick what to import, download its template (CSV or
// XLSX), choose a file, "检查" (dry run, writes nothing) then "导入". A file with any bad row
// writes nothing; every bad row is listed with its line number and the reason.
import { el } from '../common/dom.js';
import { setStatus } from './dom.js';

export function setUpImport(root, api, onImported) {
  const form = root.querySelector('form');
  const kind = form.elements.kind;
  const file = form.elements.file;
  const subdistrict = form.elements.subdistrict;
  const csv = root.querySelector('a.template-csv');
  const xlsx = root.querySelector('a.template-xlsx');
  const status = root.querySelector('.import-status');
  const errors = root.querySelector('table.import-errors');
  const check = form.querySelector('button.check');
  const run = form.querySelector('button.run');

  const templates = () => {
    csv.href = `${api.url('template', { kind: kind.value })}?format=csv`;
    xlsx.href = `${api.url('template', { kind: kind.value })}?format=xlsx`;
  };
  const reset = () => {
    errors.hidden = true;
    errors.tBodies[0].replaceChildren();
    setStatus(status, '');
    root.dataset.state = 'idle';
  };
  kind.addEventListener('change', () => {
    templates();
    reset();
  });
  file.addEventListener('change', reset);
  templates();

  async function send(dryRun) {
    reset();
    const chosen = file.files[0];
    if (!chosen) {
      setStatus(status, '请先选择要导入的 CSV 或 XLSX 文件', 'error');
      return;
    }
    const what = kind.options[kind.selectedIndex].textContent;
    check.disabled = run.disabled = true;
    root.dataset.state = 'sending';
    setStatus(status, dryRun ? '正在检查…' : '正在导入…');
    try {
      const result = await api.importFile(kind.value, chosen, {
        dry_run: dryRun ? 'true' : 'false',
        subdistrict_id: subdistrict ? subdistrict.value : '',
      });
      if (dryRun) {
        setStatus(status, `检查通过：共 ${result.rows} 行${what}数据，没有发现错误，可以导入。`, 'ok');
        root.dataset.state = 'checked';
      } else {
        setStatus(status, `已导入 ${result.imported} 行${what}数据（共 ${result.rows} 行）。`, 'ok');
        root.dataset.state = 'imported';
        await onImported(kind.value);
      }
    } catch (err) {
      const details = err.body && err.body.errors;
      const rows = details && Array.isArray(details.rows) ? details.rows : [];
      if (rows.length) {
        errors.tBodies[0].replaceChildren(
          ...rows.map((r) => {
            const tr = el('tr');
            tr.append(el('td', 'num', r.line), el('td', null, r.message));
            return tr;
          }),
        );
        errors.hidden = false;
        setStatus(status, err.message, 'error');
      } else {
        setStatus(status, `${dryRun ? '检查' : '导入'}失败：${err.message}`, 'error');
      }
      root.dataset.state = 'rejected';
    } finally {
      check.disabled = run.disabled = false;
    }
  }

  check.addEventListener('click', () => send(true));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(false);
  });
}
