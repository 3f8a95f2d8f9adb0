/* global document, window */
// Draws each trade's session (see trade-chart.ts) with TradingView's lightweight-charts, inlined
// before this script as window.LightweightCharts. Times arrive as New York wall-clock seconds, so
// the chart's UTC axis reads New York time; and lays out the breakdown tables computed in Node.
// Plain ES2017: the page must open offline.
(function () {
  "use strict";
  var LWC = window.LightweightCharts;
  var STYLE = {
    "session-low": { position: "belowBar", shape: "circle", color: "#7c3aed" },
    break: { position: "belowBar", shape: "square", color: "#c8372d" },
    reclaim: { position: "aboveBar", shape: "circle", color: "#d97706" },
    entry: { position: "belowBar", shape: "arrowUp", color: "#1a8f4c" },
    add: { position: "belowBar", shape: "arrowUp", color: "#059669" },
    exit: { position: "aboveBar", shape: "arrowDown", color: "#2563eb" },
  };
  var LINE = { stop: "#c8372d", target: "#1a8f4c", support: "#7c3aed" };

  function say(box, text) {
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "empty-line";
    p.textContent = text;
    box.appendChild(p);
    box.setAttribute("data-markers", "0");
    return 0;
  }

  /** Draws `trade` (a report row) into `box`; returns the markers drawn. */
  function drawTrade(box, trade, sessions, height) {
    box.innerHTML = "";
    if (!LWC) return say(box, "the chart library did not load");
    if (!trade.chart) return say(box, "no chart: the report has no bars for " + trade.symbol + " on " + trade.day + " (pass --data)");
    var s = sessions[trade.chart.session];
    if (!s) return say(box, "no chart: no regular-hours bars for " + trade.chart.session.replace("|", " on "));
    var chart = LWC.createChart(box, {
      width: box.clientWidth || 900,
      height: height,
      layout: { background: { color: "#ffffff" }, textColor: "#1d2733", fontSize: 11 },
      grid: { vertLines: { color: "#eef1f4" }, horzLines: { color: "#eef1f4" } },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { scaleMargins: { top: 0.08, bottom: 0.26 } },
    });
    var candles = chart.addSeries(LWC.CandlestickSeries, { upColor: "#1a8f4c", downColor: "#c8372d", borderVisible: false, wickUpColor: "#1a8f4c", wickDownColor: "#c8372d" });
    candles.setData(s.t.map(function (t, i) {
      return { time: t, open: s.o[i], high: s.h[i], low: s.l[i], close: s.c[i] };
    }));
    var volume = chart.addSeries(LWC.HistogramSeries, { priceFormat: { type: "volume" }, priceScaleId: "", lastValueVisible: false, priceLineVisible: false });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    volume.setData(s.t.map(function (t, i) {
      return { time: t, value: s.v[i], color: s.c[i] >= s.o[i] ? "rgba(26,143,76,0.35)" : "rgba(200,55,45,0.35)" };
    }));
    trade.chart.lines.forEach(function (l) {
      candles.createPriceLine({ price: l.priceUsd, color: LINE[l.kind] || "#66727f", lineWidth: 1, lineStyle: l.kind === "support" ? 1 : 2, axisLabelVisible: true, title: l.text });
    });
    var markers = trade.chart.markers.map(function (m) {
      var st = STYLE[m.kind] || STYLE.exit;
      return { time: m.t, position: st.position, shape: st.shape, color: st.color, text: m.text };
    });
    var plugin = LWC.createSeriesMarkers(candles, markers);
    // The session is there to scroll; the view opens on the trade, from before the break to after the exit.
    var ts = markers.map(function (m) {
      return m.time;
    });
    if (ts.length) chart.timeScale().setVisibleRange({ from: Math.max(s.t[0], Math.min.apply(null, ts) - 1800), to: Math.min(s.t[s.t.length - 1], Math.max.apply(null, ts) + 1800) });
    else chart.timeScale().fitContent();
    var drawn = plugin.markers().length;
    box.setAttribute("data-markers", String(drawn));
    box.setAttribute("data-lines", String(trade.chart.lines.length));
    if (trade.chart.notes.length) {
      var n = document.createElement("p");
      n.className = "chart-note";
      n.textContent = trade.chart.notes.join("; ");
      box.appendChild(n);
    }
    return drawn;
  }

  // The trades of one day (the latest by default), each with its chart.
  function dayCharts(run, sessions) {
    var box = document.getElementById("day-charts");
    var pick = document.getElementById("day-pick");
    var days = [];
    run.trades.forEach(function (x) {
      if (days.indexOf(x.day) < 0) days.push(x.day);
    });
    days.sort();
    if (days.length === 0) {
      box.innerHTML = '<p class="empty-line">no trades in this run</p>';
      pick.innerHTML = "";
      return;
    }
    pick.innerHTML = days.slice().reverse().map(function (d) {
      return "<option>" + d + "</option>";
    }).join("");
    function draw() {
      var day = pick.value;
      var list = run.trades.filter(function (x) {
        return x.day === day;
      });
      box.innerHTML = "";
      var total = 0;
      list.slice(0, 12).forEach(function (x) {
        var fig = document.createElement("figure");
        fig.className = "day-chart";
        var cap = document.createElement("figcaption");
        cap.textContent = x.symbol + " " + x.entryNy + "-" + x.exitNy + " " + x.exitReason + " " + fmtUsd(x.pnl);
        var c = document.createElement("div");
        c.className = "lwc";
        fig.appendChild(cap);
        fig.appendChild(c);
        box.appendChild(fig);
        total += drawTrade(c, x, sessions, 260);
      });
      if (list.length > 12) box.appendChild(document.createTextNode(list.length - 12 + " more trades that day: click them in the table"));
      box.setAttribute("data-markers", String(total));
    }
    pick.onchange = draw;
    draw();
  }

  // Tables computed in Node (report-tables.ts): a table, or its one-line note when it has no rows.
  function tables(box, list) {
    box.innerHTML = list.map(function (tb) {
      var head = "<h3>" + esc(tb.title) + "</h3>";
      if (!tb.rows.length) return '<div class="table-card" id="table-' + tb.id + '">' + head + '<p class="empty-line">' + esc(tb.note) + "</p></div>";
      return '<div class="table-card' + (tb.columns.length > 6 ? " wide" : "") + '" id="table-' + tb.id + '">' + head + "<table><tr>" + tb.columns.map(function (c) {
        return "<th>" + esc(c) + "</th>";
      }).join("") + "</tr>" + tb.rows.map(function (r) {
        return "<tr>" + r.map(function (c) {
          return "<td>" + esc(c) + "</td>";
        }).join("") + "</tr>";
      }).join("") + '</table><p class="notes">' + esc(tb.note) + "</p></div>";
    }).join("");
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  function fmtUsd(v) {
    return (v < 0 ? "-$" : "$") + Math.abs(v).toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  }

  window.swDrawTrade = drawTrade;
  window.swDayCharts = dayCharts;
  window.swTables = tables;
})();
