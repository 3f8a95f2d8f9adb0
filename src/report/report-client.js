/* global document, window */
// Draws the sizewise report (see html.ts) into inline SVG. Plain ES2017, no dependencies: the
// page must open offline from a file. Every chart sets data-drawn="<marks>" when drawn.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var COLORS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
  var W = 640;
  var H = 240;
  var M = { l: 58, r: 14, t: 10, b: 28 };

  function el(tag, attrs, parent, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmtNum(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    if (a >= 100) return v.toFixed(0);
    if (a >= 1) return v.toFixed(2);
    return v.toFixed(3);
  }
  function fmtPct(v) {
    return v.toFixed(Math.abs(v) >= 10 ? 0 : 1) + "%";
  }
  function fmtUsd(v) {
    return (v < 0 ? "-$" : "$") + Math.abs(v).toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  }

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) {
      hi = lo + 1;
      lo = lo - 1;
    }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    if (err >= 7.5) step *= 10;
    else if (err >= 3.5) step *= 5;
    else if (err >= 1.5) step *= 2;
    var ticks = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return ticks;
  }

  // A plot frame: scales, grid, y axis. yFmt formats tick labels.
  function frame(fig, lo, hi, nx, yFmt) {
    var svg = fig.querySelector("svg");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.style.display = "";
    var line = fig.querySelector(".empty-line");
    if (line) line.parentNode.removeChild(line);
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    var ticks = niceTicks(lo, hi, 5);
    var y0 = Math.min(lo, ticks[0]);
    var y1 = Math.max(hi, ticks[ticks.length - 1]);
    var pw = W - M.l - M.r;
    var ph = H - M.t - M.b;
    var f = {
      svg: svg,
      x: function (i) {
        return M.l + (nx <= 1 ? pw / 2 : (i / (nx - 1)) * pw);
      },
      band: function (i) {
        return M.l + (i / nx) * pw;
      },
      bw: pw / Math.max(1, nx),
      y: function (v) {
        return M.t + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
      },
      pw: pw,
      ph: ph,
    };
    ticks.forEach(function (t) {
      el("line", { x1: M.l, x2: W - M.r, y1: f.y(t), y2: f.y(t), stroke: t === 0 ? "#9aa5b1" : "#e3e7ec" }, svg);
      el("text", { x: M.l - 6, y: f.y(t) + 4, "text-anchor": "end" }, svg, yFmt(t));
    });
    return f;
  }

  function xLabels(f, labels, band) {
    var n = labels.length;
    if (n === 0) return;
    var every = Math.max(1, Math.ceil(n / 6));
    for (var i = 0; i < n; i += every) {
      var x = band ? f.band(i) + f.bw / 2 : f.x(i);
      el("text", { x: x, y: H - 8, "text-anchor": "middle" }, f.svg, labels[i]);
    }
  }

  function legend(fig, items) {
    var box = fig.querySelector(".legend");
    box.innerHTML = "";
    items.forEach(function (it) {
      var i = document.createElement("i");
      i.style.background = it.color;
      box.appendChild(i);
      box.appendChild(document.createTextNode(it.name));
    });
  }

  // A panel without data says so in one line instead of drawing empty axes.
  function empty(fig, why) {
    var svg = fig.querySelector("svg");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.style.display = "none";
    var line = fig.querySelector(".empty-line") || fig.appendChild(document.createElement("p"));
    line.className = "empty-line";
    line.textContent = why;
    fig.querySelector(".legend").textContent = "";
    fig.setAttribute("data-drawn", "empty");
    return 0;
  }

  function done(fig, marks) {
    fig.setAttribute("data-drawn", String(marks));
    return marks;
  }

  // series: [{name, color, values: [number|null]}]; labels: x labels.
  function lineChart(fig, labels, series, yFmt, opts) {
    opts = opts || {};
    var all = [];
    series.forEach(function (s) {
      s.values.forEach(function (v) {
        if (v !== null && isFinite(v)) all.push(v);
      });
    });
    if (all.length === 0) return empty(fig, opts.emptyText || "no data");
    var lo = Math.min.apply(null, all.concat(opts.includeZero ? [0] : []));
    var hi = Math.max.apply(null, all.concat(opts.includeZero ? [0] : []));
    var f = frame(fig, lo, hi, labels.length, yFmt);
    var marks = 0;
    series.forEach(function (s) {
      var d = "";
      var pen = false;
      s.values.forEach(function (v, i) {
        if (v === null || !isFinite(v)) {
          pen = false;
          return;
        }
        d += (pen ? "L" : "M") + f.x(i).toFixed(1) + " " + f.y(v).toFixed(1);
        pen = true;
      });
      if (!d) return;
      if (opts.area && series.length <= 2) {
        el("path", { d: d + "L" + f.x(s.values.length - 1).toFixed(1) + " " + f.y(0) + "L" + f.x(0) + " " + f.y(0) + "Z", fill: s.color, opacity: 0.12 }, f.svg);
      }
      var p = el("path", { d: d, fill: "none", stroke: s.color, "stroke-width": 1.8, "stroke-dasharray": s.dash || "" }, f.svg);
      el("title", {}, p, s.name);
      marks++;
      if (s.values.length <= 60) {
        s.values.forEach(function (v, i) {
          if (v === null || !isFinite(v)) return;
          var c = el("circle", { cx: f.x(i), cy: f.y(v), r: 2.2, fill: s.color }, f.svg);
          el("title", {}, c, s.name + " " + labels[i] + ": " + yFmt(v));
        });
      }
    });
    xLabels(f, labels, false);
    legend(fig, series);
    return done(fig, marks);
  }

  // Grouped bars: series values per label; colorBySign paints positives/negatives.
  function barChart(fig, labels, series, yFmt, opts) {
    opts = opts || {};
    var all = [0];
    series.forEach(function (s) {
      s.values.forEach(function (v) {
        if (v !== null && isFinite(v)) all.push(v);
      });
    });
    if (labels.length === 0 || all.length === 1) return empty(fig, opts.emptyText || "no data");
    var f = frame(fig, Math.min.apply(null, all), Math.max.apply(null, all), labels.length, yFmt);
    var marks = 0;
    var k = series.length;
    labels.forEach(function (lab, i) {
      series.forEach(function (s, j) {
        var v = s.values[i];
        if (v === null || !isFinite(v)) return;
        var w = (f.bw * 0.8) / k;
        var x = f.band(i) + f.bw * 0.1 + j * w;
        var y = Math.min(f.y(v), f.y(0));
        var color = opts.colorBySign ? (v >= 0 ? "#1a8f4c" : "#c8372d") : s.color;
        var r = el("rect", { x: x.toFixed(1), y: y.toFixed(1), width: Math.max(1, w - 1).toFixed(1), height: Math.max(0.5, Math.abs(f.y(v) - f.y(0))).toFixed(1), fill: color }, f.svg);
        el("title", {}, r, (k > 1 ? s.name + " " : "") + lab + ": " + yFmt(v) + (s.notes && s.notes[i] ? " (" + s.notes[i] + ")" : ""));
        marks++;
      });
    });
    xLabels(f, labels, true);
    legend(fig, opts.colorBySign ? [] : series);
    return done(fig, marks);
  }

  // Reliability diagram: points {x: mean predicted, y: observed, n}.
  function calibrationChart(fig, rows) {
    var pts = rows.filter(function (r) {
      return r.n > 0 && r.meanPredicted !== null;
    });
    if (pts.length === 0) return empty(fig, "no trade had a win probability (the confidence model needs sizing.confidence.minSamples trades)");
    var f = frame(fig, 0, 1, 11, fmtPct100);
    var px = function (p) {
      return M.l + p * f.pw;
    };
    el("line", { x1: px(0), y1: f.y(0), x2: px(1), y2: f.y(1), stroke: "#9aa5b1", "stroke-dasharray": "4 3" }, f.svg);
    var maxN = Math.max.apply(null, pts.map(function (r) {
      return r.n;
    }));
    pts.forEach(function (r) {
      var c = el("circle", { cx: px(r.meanPredicted), cy: f.y(r.observedWinRate), r: 3 + 7 * Math.sqrt(r.n / maxN), fill: COLORS[0], opacity: 0.75 }, f.svg);
      el("title", {}, c, "predicted " + fmtPct100(r.meanPredicted) + ", observed " + fmtPct100(r.observedWinRate) + ", " + r.n + " trades");
    });
    for (var t = 0; t <= 10; t += 2) el("text", { x: px(t / 10), y: H - 8, "text-anchor": "middle" }, f.svg, t * 10 + "%");
    legend(fig, [{ name: "observed win rate by predicted bucket", color: COLORS[0] }]);
    return done(fig, pts.length);
  }

  function fmtPct100(v) {
    return Math.round(v * 100) + "%";
  }

  function runColor(i) {
    return COLORS[i % COLORS.length];
  }

  // Union of the runs' days, each run's values aligned to it.
  function alignedDaily(key) {
    var days = {};
    DATA.runs.forEach(function (r) {
      r.daily.forEach(function (d) {
        days[d.day] = true;
      });
    });
    var labels = Object.keys(days).sort();
    var series = DATA.runs.map(function (r, i) {
      var by = {};
      r.daily.forEach(function (d) {
        by[d.day] = d;
      });
      var peak = r.initialEquityUsd;
      var last = null;
      return {
        name: r.name,
        color: runColor(i),
        values: labels.map(function (day) {
          var d = by[day];
          if (d) last = d.equityUsd;
          if (last === null) return null;
          if (key === "equity") return last;
          peak = Math.max(peak, last);
          return peak > 0 ? -((peak - last) / peak) * 100 : 0;
        }),
      };
    });
    return { labels: labels, series: series };
  }

  function fig(id) {
    return document.getElementById("chart-" + id);
  }

  function drawAll() {
    var runIx = 0;
    var sel = document.getElementById("run");
    if (sel) runIx = Number(sel.value);
    var run = DATA.runs[runIx];
    var drawn = 0;
    var eq = alignedDaily("equity");
    var bench = run.benchmark || null;
    if (bench && bench.length) {
      var bBy = {};
      bench.forEach(function (d) {
        bBy[d.day] = d.equityUsd;
      });
      eq.series.push({ name: "buy & hold of the traded symbols", color: "#9aa5b1", dash: "5 4", values: eq.labels.map(function (d) {
        return bBy[d] === undefined ? null : bBy[d];
      }) });
    }
    drawn += lineChart(fig("equity"), eq.labels, eq.series, fmtNum, { emptyText: "no trading day finished yet" }) > 0 ? 1 : 0;
    var dd = alignedDaily("drawdown");
    drawn += lineChart(fig("drawdown"), dd.labels, dd.series, fmtPct, { area: true, includeZero: true, emptyText: "no trading day finished yet" }) > 0 ? 1 : 0;
    drawn += barChart(fig("pnl"), run.daily.map(function (d) {
      return d.day;
    }), [{ name: run.name, color: COLORS[0], values: run.daily.map(function (d) {
      return d.pnlUsd;
    }) }], fmtNum, { colorBySign: true, emptyText: "no trading day finished yet" }) > 0 ? 1 : 0;
    var brackets = DATA.runs[0].sizes.map(function (b) {
      return b.bracket;
    });
    drawn += barChart(fig("sizes"), brackets, DATA.runs.map(function (r, i) {
      return { name: r.name, color: runColor(i), values: r.sizes.map(function (b) {
        return b.sharePct;
      }), notes: r.sizes.map(function (b) {
        return b.trades + " trades";
      }) };
    }), fmtPct, { emptyText: "no trades" }) > 0 ? 1 : 0;
    drawn += barChart(fig("winrate"), brackets, DATA.runs.map(function (r, i) {
      return { name: r.name, color: runColor(i), values: r.sizes.map(function (b) {
        return b.winRate === null ? null : b.winRate * 100;
      }), notes: r.sizes.map(function (b) {
        return b.trades + " trades";
      }) };
    }), fmtPct, { emptyText: "no trades" }) > 0 ? 1 : 0;
    drawn += lineChart(fig("kelly"), run.kelly.map(function (k) {
      return "#" + k.i;
    }), [
      { name: "predicted edge (before the trade)", color: COLORS[0], values: run.kelly.map(function (k) {
        return k.predictedEdge;
      }) },
      { name: "realised mean R (rolling window)", color: COLORS[1], values: run.kelly.map(function (k) {
        return k.rollingR;
      }) },
    ], fmtNum, { includeZero: true, emptyText: "no trades" }) > 0 ? 1 : 0;
    drawn += calibrationChart(fig("calibration"), run.calibration) > 0 ? 1 : 0;
    var rl = run.rl;
    var rlEmpty = "this run's mode has no RL layer (modes rl and full)";
    if (rl && rl.steps.length > 0) {
      var ups = rl.steps.map(function (s) {
        return String(s.updates);
      });
      drawn += lineChart(fig("rl-epsilon"), ups, [{ name: "epsilon by updates", color: COLORS[2], values: rl.steps.map(function (s) {
        return s.epsilon;
      }) }], fmtNum, { includeZero: true }) > 0 ? 1 : 0;
      drawn += lineChart(fig("rl-states"), ups, [{ name: "states in the table by updates", color: COLORS[3], values: rl.steps.map(function (s) {
        return s.states;
      }) }], fmtNum, { includeZero: true }) > 0 ? 1 : 0;
    } else {
      empty(fig("rl-epsilon"), rlEmpty);
      empty(fig("rl-states"), rlEmpty);
    }
    if (rl && rl.greedy.length > 0) {
      var top = rl.greedy.slice().sort(function (a, b) {
        return b.n - a.n;
      }).slice(0, 24);
      drawn += barChart(fig("rl-policy"), top.map(function (g, i) {
        return "s" + (i + 1);
      }), [{ name: rl.source, color: COLORS[4], values: top.map(function (g) {
        return g.multiplier;
      }), notes: top.map(function (g) {
        return g.state + ", n=" + g.n + (g.q === null ? "" : ", q=" + g.q);
      }) }], fmtNum, {}) > 0 ? 1 : 0;
    } else empty(fig("rl-policy"), rlEmpty);
    document.body.setAttribute("data-charts-drawn", String(drawn));
    metricsTable();
    tradeTable(run);
    window.swTables(document.getElementById("run-tables"), run.tables);
    window.swDayCharts(run, DATA.sessions);
  }

  // One row per run, one column per figure: compact for one run and for six.
  function metricsTable() {
    var box = document.getElementById("metrics-table");
    var t = document.createElement("table");
    var head = "<tr><th>run</th>" + DATA.runs[0].metrics.map(function (m) {
      return "<th>" + esc(m.label) + "</th>";
    }).join("") + "</tr>";
    var rows = DATA.runs.map(function (r, i) {
      return '<tr><td style="color:' + runColor(i) + '">' + esc(r.name) + "</td>" + r.metrics.map(function (m) {
        return "<td>" + esc(m.value) + "</td>";
      }).join("") + "</tr>";
    });
    t.innerHTML = head + rows.join("");
    box.innerHTML = "";
    box.appendChild(t);
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  function tradeTable(run) {
    var t = document.getElementById("trade-table");
    var cols = ["day", "symbol", "entry (New York)", "exit (New York)", "shares", "entry $", "exit $", "R", "P/L", "risk %", "exit reason", "regime", "template", "mode", "sizing"];
    var newest = run.trades.slice().reverse();
    var rows = newest.map(function (x, i) {
      return '<tr class="trade" data-ix="' + i + '"><td>' + [x.day, esc(x.symbol), x.entryNy, x.exitNy, x.shares, x.entryPrice, x.exitPrice, x.r.toFixed(2)].join("</td><td>") +
        '</td><td class="' + (x.pnl >= 0 ? "pos" : "neg") + '">' + fmtUsd(x.pnl) + "</td><td>" +
        [x.riskPct === null ? "-" : x.riskPct.toFixed(2), esc(x.exitReason), esc(x.regime || "-"), esc(x.template || "-"), esc(x.mode || "-")].join("</td><td>") +
        '</td><td class="sizing">' + esc(x.sizing) + "</td></tr>";
    });
    t.innerHTML = "<tr>" + cols.map(function (c) {
      return "<th>" + c + "</th>";
    }).join("") + "</tr>" + rows.join("");
    document.getElementById("trade-count").textContent = "(" + run.name + ": " + run.trades.length + ", newest first; click a trade for its chart)";
    t.onclick = function (ev) {
      var tr = ev.target.closest ? ev.target.closest("tr.trade") : null;
      if (tr) showTrade(newest[Number(tr.getAttribute("data-ix"))]);
    };
    if (newest.length) showTrade(newest[0]);
    else window.swDrawTrade(document.getElementById("trade-chart"), { chart: null, symbol: "-", day: "-" }, DATA.sessions, 380);
  }

  function showTrade(x) {
    document.getElementById("trade-chart-title").textContent = x.symbol + " " + x.day + ": " + x.entryNy + " to " + x.exitNy + " New York, " + x.exitReason + ", " + fmtUsd(x.pnl) + " (" + x.r.toFixed(2) + " R)";
    window.swDrawTrade(document.getElementById("trade-chart"), x, DATA.sessions, 380);
  }

  var sel = document.getElementById("run");
  if (sel) sel.addEventListener("change", drawAll);
  window.swTables(document.getElementById("page-tables"), DATA.tables);
  drawAll();
})();
