// The Cohort dashboard: polls api/run every second and draws it with uPlot.
(function () {
  'use strict';
  const token = new URLSearchParams(location.search).get('token') || '';
  const COLORS = ['#2b6cb0', '#d97706', '#15803d', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];
  const PHASES = [
    ['data_ms', 'data', '#94a3b8'],
    ['compute_ms', 'forward/backward', '#2b6cb0'],
    ['comm_ms', 'communication', '#15803d'],
    ['wait_ms', 'waiting', '#dc2626'],
    ['optimizer_ms', 'optimizer', '#d97706'],
    ['other_ms', 'other', '#cbd5e1'],
  ];
  const charts = {};
  let markers = { checkpoints: [], restarts: [] };

  const num = (v) => (typeof v === 'number' && isFinite(v) ? v : null);
  const color = (i) => COLORS[i % COLORS.length];
  const el = (id) => document.getElementById(id);
  const text = (id, value) => { el(id).textContent = value; };

  function markerPlugin() {
    return {
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          const top = u.bbox.top;
          const bottom = u.bbox.top + u.bbox.height;
          const line = (step, stroke, dash) => {
            const x = Math.round(u.valToPos(step, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.save();
            ctx.strokeStyle = stroke;
            ctx.setLineDash(dash);
            ctx.lineWidth = 1.5;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, bottom);
            ctx.stroke();
            ctx.restore();
          };
          markers.checkpoints.forEach((s) => line(s, '#64748b', [4, 4]));
          markers.restarts.forEach((s) => line(s, '#dc2626', []));
        }],
      },
    };
  }

  // Draws (or redraws) chart `id` from tables [[x...], [y...]] with one label per table.
  function draw(id, labels, tables, opts) {
    const box = el(id);
    const data = tables.length === 0 ? [[]] : tables.length === 1 ? tables[0] : uPlot.join(tables);
    const key = labels.join('|');
    let c = charts[id];
    if (!c || c.key !== key) {
      if (c) c.plot.destroy();
      const series = [{ label: 'step' }].concat(labels.map((l, i) => ({
        label: l, stroke: color(i), width: 1.5, spanGaps: true,
        points: { show: opts && opts.points },
      })));
      const plot = new uPlot({
        width: Math.max(320, box.clientWidth || 540), height: 220,
        scales: { x: { time: false } },
        series: series,
        plugins: opts && opts.markers ? [markerPlugin()] : [],
        legend: { live: false },
      }, data, box);
      c = charts[id] = { plot: plot, key: key };
    } else {
      c.plot.setData(data);
    }
    const xs = data[0] || [];
    box.dataset.points = String(xs.length);
    const last = data.length > 1 ? data[1][data[1].length - 1] : null;
    box.dataset.last = last == null ? '' : String(last);
  }

  function perRank(view, field, scale) {
    return {
      labels: view.ranks.map((r) => 'rank ' + r.rank + (view.run.stages > 1 ? ' (stage ' + r.stage + ')' : '')),
      tables: view.ranks.map((r) => [r.step, r[field].map((v) => { const n = num(v); return n == null ? null : n * (scale || 1); })]),
    };
  }

  function renderHeader(view) {
    const run = view.run;
    text('model', run.model || 'run');
    const status = el('status');
    status.textContent = run.live ? 'live' : run.finished ? 'finished' : 'stopped';
    status.className = 'status ' + status.textContent;
    text('last-step', run.last_step < 0 ? '-' : String(run.last_step + 1));
    text('total-steps', run.total_steps > 0 ? ' of ' + run.total_steps : '');
    text('throughput', Math.round(run.samples_per_second).toLocaleString('en'));
    text('strategy', run.strategy || '');
    text('workers', run.workers + ' workers');
    text('accuracy', run.test_accuracy == null ? '' : 'test accuracy ' + run.test_accuracy.toFixed(4));
    text('folder', run.folder);
    document.title = 'Cohort ' + (run.model || 'run') + ' \u00b7 step ' + (run.last_step + 1);
  }

  function renderAlerts(view) {
    const box = el('alerts');
    box.replaceChildren(...view.alerts.map((a) => {
      const d = document.createElement('div');
      d.className = 'alert';
      d.dataset.kind = a.kind.toLowerCase();
      d.textContent = a.kind.toLowerCase() + ': ' + a.message;
      return d;
    }));
  }

  function renderBreakdown(view) {
    const widest = Math.max(1, ...view.breakdown.map((b) => b.step_ms));
    el('breakdown').replaceChildren(...view.breakdown.map((b) => {
      const row = document.createElement('div');
      row.className = 'bar-row' + (b.straggler ? ' straggler' : '');
      row.dataset.rank = String(b.rank);
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = 'rank ' + b.rank + (view.run.stages > 1 ? ' s' + b.stage : '') + ': ' + b.step_ms.toFixed(1) + (b.straggler ? ' straggler' : '');
      const bar = document.createElement('div');
      bar.className = 'bar';
      PHASES.forEach(([field, name, fill]) => {
        const part = document.createElement('div');
        part.style.width = (100 * b[field] / widest) + '%';
        part.style.background = fill;
        part.title = name + ' ' + b[field].toFixed(2) + ' ms';
        bar.appendChild(part);
      });
      row.append(label, bar);
      return row;
    }));
    if (!el('breakdown-legend').childElementCount) {
      el('breakdown-legend').replaceChildren(...PHASES.map(([, name, fill]) => {
        const s = document.createElement('span');
        const i = document.createElement('i');
        i.style.background = fill;
        s.append(i, name);
        return s;
      }));
    }
  }

  function renderStages(view) {
    el('stages-panel').hidden = view.run.stages <= 1;
    if (view.run.stages <= 1) return;
    const rows = [['stage', 'ranks', 'forward/backward', 'communication', 'waiting (bubble)', 'step']];
    for (let s = 0; s < view.run.stages; s++) {
      const mine = view.breakdown.filter((b) => b.stage === s);
      const avg = (f) => (mine.reduce((t, b) => t + b[f], 0) / Math.max(1, mine.length)).toFixed(1);
      rows.push([String(s), mine.map((b) => b.rank).join(' '), avg('compute_ms'), avg('comm_ms'), avg('wait_ms'), avg('step_ms')]);
    }
    el('stages').replaceChildren(...rows.map((r, i) => {
      const tr = document.createElement('tr');
      r.forEach((v) => { const td = document.createElement(i ? 'td' : 'th'); td.textContent = v; tr.appendChild(td); });
      return tr;
    }));
  }

  function renderExperts(view) {
    const e = view.experts;
    el('experts-panel').hidden = !e;
    el('tokens-panel').hidden = !e;
    if (!e) return;
    draw('chart-experts', ['busiest/mean'], [[e.step, e.busiest_over_mean.map(num)]]);
    const most = Math.max(1, ...e.last_tokens);
    el('tokens').replaceChildren(...e.last_tokens.map((t, i) => {
      const row = document.createElement('div');
      row.className = 'bar-row';
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = 'expert ' + i + ': ' + t;
      const bar = document.createElement('div');
      bar.className = 'bar';
      const fill = document.createElement('div');
      fill.style.width = (100 * t / most) + '%';
      fill.style.background = color(i);
      bar.appendChild(fill);
      row.append(label, bar);
      return row;
    }));
  }

  function renderTimeline(view) {
    const items = [];
    view.segments.forEach((s) => items.push([s.start_step, (s.reason === 'fresh' ? 'started' : s.reason === 'restart' ? 'restarted after a failure' : 'resumed') + ' at step ' + s.start_step + ', ' + new Date(s.started_at_millis).toLocaleTimeString('en-GB')]));
    view.checkpoints.forEach((c) => items.push([c.step, 'checkpoint of step ' + c.step + (c.stage ? ' (stage ' + c.stage + ')' : '') + ': ' + (c.bytes / 1048576).toFixed(1) + ' MiB' + (c.seconds == null ? '' : ', committed ' + num(c.seconds).toFixed(2) + ' s after its step')]));
    view.epochs.forEach((e) => items.push([e.step, 'epoch ' + e.epoch + ' evaluated: test accuracy ' + e.test_accuracy.toFixed(4)]));
    items.sort((a, b) => a[0] - b[0]);
    el('timeline').replaceChildren(...items.map(([, t]) => { const li = document.createElement('li'); li.textContent = t; return li; }));
  }

  function render(view) {
    markers = {
      checkpoints: view.checkpoints.map((c) => c.step),
      restarts: view.segments.filter((s) => s.reason !== 'fresh').map((s) => s.start_step),
    };
    renderHeader(view);
    renderAlerts(view);
    const loss = perRank(view, 'loss');
    draw('chart-loss', loss.labels, loss.tables, { markers: true });
    draw('chart-validation', ['test accuracy'], [[view.epochs.map((e) => e.step), view.epochs.map((e) => num(e.test_accuracy))]], { points: true });
    draw('chart-throughput', ['samples/s'], [[view.throughput.step, view.throughput.value.map(num)]]);
    const step = perRank(view, 'step_ms');
    draw('chart-step', step.labels, step.tables);
    const wait = perRank(view, 'wait_ms');
    draw('chart-wait', wait.labels, wait.tables);
    const memory = perRank(view, 'rss_mib');
    draw('chart-memory', memory.labels, memory.tables);
    renderBreakdown(view);
    renderStages(view);
    renderExperts(view);
    renderTimeline(view);
    document.body.dataset.updated = String(view.run.now_millis);
  }

  async function poll() {
    try {
      const r = await fetch('api/run?token=' + encodeURIComponent(token), { cache: 'no-store' });
      if (!r.ok) throw new Error(await r.text());
      render(await r.json());
    } catch (e) {
      const status = el('status');
      status.textContent = 'unreachable';
      status.className = 'status';
      status.title = String(e);
    }
  }

  poll();
  setInterval(poll, 1000);
})();
