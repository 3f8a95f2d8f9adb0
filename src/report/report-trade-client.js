/* global document, window */
// Draws one trade's session (see trade-chart.ts) with TradingView's lightweight-charts, inlined
// before this script as window.LightweightCharts. Times arrive as New York wall-clock seconds, so
// the chart's UTC axis reads New York time. Plain ES2017: the page must open offline.
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

  window.swDrawTrade = drawTrade;
})();
