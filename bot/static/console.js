// The liaison console: play a liaison in a web chat. Loaded as a file (the page's CSP allows
// no inline script). Everything sent goes through one queue, so the server gets messages
// in the order they were sent, and each answer is shown under the message it answers.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const log = document.getElementById('log');
  const form = document.getElementById('send');
  const box = document.getElementById('text');
  const picker = document.getElementById('file');
  const user = document.getElementById('user');
  const other = document.getElementById('other');
  let queue = Promise.resolve();

  function who() { return other.value.trim() || user.value; }

  function nearEnd() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function toEnd() { log.scrollTop = log.scrollHeight; }

  function bubble(side, text) {
    const row = document.createElement('div');
    row.className = 'msg ' + side;
    const b = document.createElement('div');
    b.className = 'bubble';
    b.textContent = text;
    row.appendChild(b);
    return row;
  }

  // One message of the liaison's and, below it, what the bot answered.
  function turn(text) {
    const group = document.createElement('div');
    group.className = 'turn';
    if (text !== null) group.appendChild(bubble('me', text));
    log.appendChild(group);
    return group;
  }

  function answer(group, replies, isError) {
    const follow = nearEnd();
    replies.forEach(r => {
      const row = bubble('bot', r);
      if (isError) row.classList.add('error');
      group.appendChild(row);
    });
    if (follow) toEnd();
  }

  async function post(init) {
    let resp;
    try {
      resp = await fetch('/console/api/messages', Object.assign({method: 'POST'}, init));
    } catch (e) {
      return {error: '网络连接失败，没有发出去，请检查网络后重新发送。'};
    }
    try {
      return await resp.json();
    } catch (e) {
      return {error: '服务器没有返回有效结果（' + resp.status + '）'};
    }
  }

  // Show the message at once, send it when everything sent before it has been answered.
  function send(label, init) {
    const group = turn(label);
    group.firstChild.classList.add('pending');
    toEnd();
    queue = queue.then(async () => {
      const data = await post(init);
      group.firstChild.classList.remove('pending');
      if (data.replies) answer(group, data.replies, false);
      else answer(group, [data.error || '出错了，请稍后再试。'], true);
    });
  }

  // The box grows with its text up to its max-height.
  function fitBox() {
    box.style.height = 'auto';
    box.style.height = box.scrollHeight + 2 + 'px';
  }

  // When the history gets shorter (a phone's keyboard opens, the box grows), it keeps its
  // newest message in view, unless the liaison has scrolled up to read.
  let stick = true;
  log.addEventListener('scroll', () => { stick = nearEnd(); });
  new ResizeObserver(() => { if (stick) toEnd(); }).observe(log);

  async function loadHistory() {
    log.replaceChildren();
    const resp = await fetch('/console/api/messages?user=' + encodeURIComponent(who()));
    const data = await resp.json();
    (data.messages || []).forEach(m => {
      if (m.kind === 'notice') { answer(turn(null), [m.text], false); return; }
      const shown = m.kind === 'text' ? m.text
        : '［' + (m.kind === 'photo' ? '图片' : '文件') + '］' + (m.filename || '');
      answer(turn(shown), m.replies, false);
    });
    toEnd();
    log.dataset.loaded = 'yes';
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = box.value;
    if (!text.trim()) return;
    box.value = '';
    fitBox();
    send(text, {headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({user: who(), text: text})});
  });

  // Enter sends, Shift+Enter breaks the line. The Enter that confirms a candidate of an
  // input method (拼音、五笔) belongs to the input method: isComposing, or keyCode 229
  // where a browser reports composition only that way.
  box.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing || ev.keyCode === 229) return;
    ev.preventDefault();
    form.requestSubmit();
  });
  box.addEventListener('input', fitBox);

  // Several files at once: each its own message, in the order chosen, each with its receipt.
  picker.addEventListener('change', () => {
    const files = Array.from(picker.files);
    picker.value = '';
    files.forEach(f => {
      const body = new FormData();
      body.append('user', who());
      body.append(f.type.startsWith('image/') ? 'image' : 'file', f, f.name);
      send('［上传］' + f.name, {body: body});
    });
  });

  user.addEventListener('change', loadHistory);
  other.addEventListener('change', loadHistory);
  loadHistory();
});
