// The forms under a node of the party-organisation tree: create a child, rename, move to a
// new parent, dissolve (two steps; the API's refusal — what still hangs on the org — is
// shown in the form, role="alert").
import { button, el, option } from '../common/dom.js';
import { setStatus } from './dom.js';

function field(label, control) {
  const wrap = el('label', null, label);
  wrap.append(control);
  return wrap;
}

function input(name, value = '', maxLength = 200) {
  const node = el('input');
  node.type = 'text';
  node.name = name;
  node.value = value;
  node.maxLength = maxLength;
  return node;
}

function shell(title, danger = false) {
  const form = el('form', `node-form${danger ? ' danger' : ''}`);
  form.append(el('p', 'form-title', title));
  return form;
}

/** Buttons and the status line; `submit(form)` runs the API call and answers the message. */
function finish(form, submitText, ctx, submit, focusOf) {
  const status = el('p', 'status-line');
  status.setAttribute('role', 'alert');
  const ok = el('button', 'primary', submitText);
  ok.type = 'submit';
  const cancel = button('取消', 'cancel', ctx.close);
  form.append(ok, cancel, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    ok.disabled = true;
    setStatus(status, '正在保存…');
    let result;
    try {
      result = await submit();
    } catch (err) {
      ok.disabled = false;
      setStatus(status, err.message, 'error');
      form.dataset.error = String(err.status || 0);
      return;
    }
    try {
      await ctx.done(focusOf(result), result.message);
    } catch (err) {
      setStatus(status, `已保存，但刷新失败：${err.message}`, 'error');
    }
  });
  return form;
}

function levelIndex(vocab, level) {
  return vocab.levels.findIndex((l) => l.value === level);
}

function createForm(node, ctx) {
  const form = shell(`在“${node.name}”下新建组织`);
  const level = el('select');
  level.name = 'level';
  const below = ctx.vocab.levels.slice(levelIndex(ctx.vocab, node.level) + 1);
  for (const l of below) level.append(option(l.value, l.label));
  const kind = el('select');
  kind.name = 'kind';
  for (const k of ctx.vocab.kinds) kind.append(option(k.value, k.label));
  const name = input('name');
  name.required = true;
  name.placeholder = '新组织的名称';
  const secretary = input('secretary', '', 50);
  const community = el('select');
  community.name = 'community_id';
  const inherited = node.community_id ? ctx.communityNames.get(node.community_id) : '';
  community.append(option('', inherited ? `同上级（${inherited}）` : '同上级（不属于社区）'));
  const names = [...ctx.communityNames.entries()].sort((a, b) => a[1].localeCompare(b[1], 'zh-CN'));
  for (const [id, label] of names) community.append(option(id, label));
  form.append(
    field('层级', level),
    field('类型', kind),
    field('名称', name),
    field('书记', secretary),
    field('所属社区', community),
  );
  return finish(
    form,
    '新建',
    ctx,
    async () => {
      const body = {
        parent_id: node.id,
        level: level.value,
        kind: kind.value,
        name: name.value.trim(),
        secretary: secretary.value.trim(),
      };
      if (community.value) body.community_id = Number(community.value);
      const created = await ctx.api.createOrg(body);
      return { id: created.id, message: `已新建“${created.name}”（${created.level_label}）` };
    },
    (result) => result.id,
  );
}

function renameForm(node, ctx) {
  const form = shell(`更名：${node.name}`);
  const name = input('name', node.name);
  name.required = true;
  const secretary = input('secretary', node.secretary || '', 50);
  form.append(field('新名称', name), field('书记', secretary));
  return finish(
    form,
    '保存',
    ctx,
    async () => {
      const saved = await ctx.api.renameOrg(node.id, {
        name: name.value.trim(),
        secretary: secretary.value.trim(),
      });
      return { id: saved.id, message: `已保存“${saved.name}”` };
    },
    (result) => result.id,
  );
}

/** Orgs that may become the parent: a higher level, same subdistrict, not inside `node`. */
function parentChoices(node, ctx) {
  const inside = new Set();
  const walk = (n) => {
    inside.add(n.id);
    for (const c of n.children) walk(c);
  };
  walk(node);
  const rank = levelIndex(ctx.vocab, node.level);
  return [...ctx.orgs.values()].filter(
    (o) =>
      !inside.has(o.id) &&
      o.id !== node.parent_id &&
      o.subdistrict_id === node.subdistrict_id &&
      levelIndex(ctx.vocab, o.level) < rank,
  );
}

function moveForm(node, ctx) {
  const form = shell(`调整隶属：把“${node.name}”移到新的上级组织之下`);
  const parent = el('select');
  parent.name = 'parent_id';
  parent.required = true;
  parent.append(option('', '选择新的上级组织…'));
  for (const o of parentChoices(node, ctx)) {
    parent.append(option(o.id, `${'　'.repeat(o.depth)}${o.name}（${o.level_label}）`));
  }
  const current = ctx.orgs.get(node.parent_id);
  if (current) form.append(el('p', 'hint', `现在的上级：${current.name}`));
  form.append(field('新的上级', parent));
  return finish(
    form,
    '移动',
    ctx,
    async () => {
      const moved = await ctx.api.moveOrg(node.id, Number(parent.value));
      const target = parent.options[parent.selectedIndex].textContent.trim();
      return { id: moved.id, message: `已把“${moved.name}”移到 ${target} 之下` };
    },
    (result) => result.id,
  );
}

function dissolveForm(node, ctx) {
  const form = shell(`撤销“${node.name}”？`, true);
  form.append(
    el(
      'p',
      'hint',
      '只有没有下级组织、党员、负责网格和驻区单位的组织才能撤销；否则会列出仍挂在它上面的内容。',
    ),
  );
  return finish(
    form,
    '确认撤销',
    ctx,
    async () => {
      await ctx.api.dissolveOrg(node.id);
      return { id: node.parent_id, message: `已撤销“${node.name}”` };
    },
    (result) => result.id,
  );
}

const FORMS = { create: createForm, rename: renameForm, move: moveForm, dissolve: dissolveForm };

export function openForm(action, node, ctx) {
  const form = FORMS[action](node, ctx);
  form.dataset.action = action;
  form.dataset.orgId = String(node.id);
  return form;
}
