/// The report's inline stylesheet (no external CSS; no `<` or `&`, so it stays well-formed XML).
enum ReportStyle {
    static let css = """
    body { margin: 0; background: #f4f5f7; color: #1f2328; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
    main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
    h1 { font-size: 26px; margin: 0 0 4px; }
    h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid #d0d7de; }
    h3 { font-size: 15px; margin: 0 0 8px; }
    .subtitle { color: #57606a; margin: 0 0 20px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 18px; align-items: start; }
    .card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 14px 16px; }
    .note { color: #57606a; font-size: 13px; margin: 6px 0 0; }
    svg.chart { width: 100%; height: auto; display: block; }
    svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", sans-serif; fill: #444; }
    svg.chart .axis-label { fill: #222; font-weight: 600; }
    svg.chart .bar-value { font-size: 10px; fill: #333; }
    svg.chart .grid line { stroke: #e6e8eb; stroke-width: 1; }
    svg.chart .frame { stroke: #8c959f; fill: none; }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    th, td { text-align: right; padding: 5px 10px; border-bottom: 1px solid #e6e8eb; }
    th:first-child, td:first-child { text-align: left; }
    th { background: #f6f8fa; font-weight: 600; }
    tr.worst td { background: #fff1e6; font-weight: 600; }
    tr.worst td:first-child { border-left: 4px solid #E15759; }
    td.best { color: #1a7f37; font-weight: 700; }
    .tag { display: inline-block; font-size: 11px; font-weight: 600; color: #fff; background: #E15759; border-radius: 10px;
           padding: 0 7px; margin-left: 6px; }
    .config td, .config th { text-align: left; font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12.5px; }
    .config td { overflow-wrap: anywhere; }
    """
}
