using ScottPlot;
using SkiaSharp;

namespace Zones.Bench;

/// <summary>chart.png: one panel per mode (p99 latency against the target rate of each step, Zones and the
/// ceiling, with the bound), and a last panel with Zones' highest held rate as a share of the ceiling's.</summary>
public static class Charts
{
    private const int PanelWidth = 640;
    private const int PanelHeight = 420;

    public static void Write(string folder, List<Search> searches, BenchOptions options)
    {
        var modes = searches.Select(s => s.Mode).Distinct().ToList();
        var panels = new List<byte[]>();
        foreach (var mode in modes)
        {
            var plot = new Plot();
            foreach (var s in searches.Where(s => s.Mode == mode))
            {
                var points = s.Steps.Append(s.Half).OfType<PhaseStats>().OrderBy(p => p.Rate).ToList();
                if (points.Count == 0)
                {
                    continue;
                }

                var line = plot.Add.Scatter(points.Select(p => p.Rate).ToArray(),
                    points.Select(p => Math.Min(Percentiles.Of(p.Latency).P99, options.P99BoundMs * 10)).ToArray());
                line.LegendText = $"{s.Target} p99 (max held {s.MaxHeld:N0})";
                line.MarkerSize = 7;
            }

            var bound = plot.Add.HorizontalLine(options.P99BoundMs);
            bound.LinePattern = LinePattern.Dashed;
            bound.LegendText = $"bound {options.P99BoundMs} ms";
            plot.Title($"{mode.ToString().ToLowerInvariant()}: p99 latency per run (steps and half rate)");
            plot.Axes.Bottom.Label.Text = $"target rate ({BenchOptions.Unit(mode)})";
            plot.Axes.Left.Label.Text = $"p99 ms (capped at {options.P99BoundMs * 10})";
            plot.ShowLegend(Alignment.UpperLeft);
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsY(0, Math.Max(options.P99BoundMs * 1.5, plot.Axes.GetLimits().Top));
            panels.Add(plot.GetImageBytes(PanelWidth, PanelHeight, ImageFormat.Png));
        }

        var ratios = modes.Select(m =>
        {
            var z = searches.FirstOrDefault(s => s.Mode == m && s.Target == "zones")?.MaxHeld ?? 0;
            var c = searches.FirstOrDefault(s => s.Mode == m && s.Target == "ceiling")?.MaxHeld ?? 0;
            return c > 0 ? 100 * z / c : 0;
        }).ToArray();
        var bars = new Plot();
        var barPlot = bars.Add.Bars(ratios);
        foreach (var (bar, i) in barPlot.Bars.Select((b, i) => (b, i)))
        {
            bar.Label = $"{ratios[i]:F0}%";
        }

        barPlot.ValueLabelStyle.FontSize = 16;
        bars.Axes.Bottom.SetTicks(Enumerable.Range(0, modes.Count).Select(i => (double)i).ToArray(),
            modes.Select(m => m.ToString().ToLowerInvariant()).ToArray());
        bars.Axes.Margins(bottom: 0);
        bars.Title("Zones' highest held rate, % of the ceiling's");
        bars.Axes.Left.Label.Text = "% of ceiling";
        panels.Add(bars.GetImageBytes(PanelWidth, PanelHeight, ImageFormat.Png));

        // Two panels a row, composed with SkiaSharp (ScottPlot draws with it too).
        var columns = 2;
        var rows = (panels.Count + columns - 1) / columns;
        using var surface = SKSurface.Create(new SKImageInfo(PanelWidth * columns, PanelHeight * rows));
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Count; i++)
        {
            using var bitmap = SKBitmap.Decode(panels[i]);
            surface.Canvas.DrawBitmap(bitmap, (i % columns) * PanelWidth, (i / columns) * PanelHeight);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 90);
        File.WriteAllBytes(Path.Combine(folder, "chart.png"), data.ToArray());
    }
}
