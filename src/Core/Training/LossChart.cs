using System.Globalization;
using System.Security;
using System.Text;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// A self-contained SVG line chart of a run's loss: the training loss as one polyline point per
/// step, the evaluation loss as a dashed line with a dot per evaluation, ticked and labelled axes,
/// a legend and a title. Written with plain strings, so it needs no package and opens in any browser.
/// </summary>
public static class LossChart
{
    private const double Width = 800;
    private const double Height = 450;
    private const double Left = 72;
    private const double Right = 24;
    private const double Top = 48;
    private const double Bottom = 64;
    private const string TrainColor = "#1f77b4";
    private const string EvalColor = "#e6550d";

    public static string Render(IReadOnlyList<double> trainLoss, IReadOnlyList<(int Step, double Loss)> evalLoss,
        string title = "Training loss")
    {
        var train = trainLoss.Select((loss, i) => (Step: i + 1, Loss: loss)).Where(p => double.IsFinite(p.Loss)).ToList();
        var eval = evalLoss.Where(p => double.IsFinite(p.Loss)).OrderBy(p => p.Step).ToList();
        var all = train.Concat(eval).ToList();
        var xMax = Math.Max(1, all.Count == 0 ? 1 : all.Max(p => p.Step));
        var xTicks = Ticks(0, xMax, 8, integers: true);
        xMax = Math.Max(xMax, (int)Math.Ceiling(xTicks[^1]));
        var lossMin = all.Count == 0 ? 0 : Math.Min(0, all.Min(p => p.Loss));
        var lossMax = all.Count == 0 ? 1 : all.Max(p => p.Loss);
        var yTicks = Ticks(lossMin, lossMax > lossMin ? lossMax : lossMin + 1, 6, integers: false);
        var (yMin, yMax) = (yTicks[0], yTicks[^1]);

        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(double step) => Left + step / xMax * plotWidth;
        double Y(double loss) => Top + (1 - (loss - yMin) / (yMax - yMin)) * plotHeight;

        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(F($"  <rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        svg.Append(F($"  <text x=\"{Width / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{SecurityElement.Escape(title)}</text>\n"));

        svg.Append("  <g id=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n");
        foreach (var tick in yTicks)
        {
            svg.Append(F($"    <line x1=\"{Left}\" y1=\"{Y(tick):0.##}\" x2=\"{Width - Right}\" y2=\"{Y(tick):0.##}\"/>\n"));
        }

        svg.Append("  </g>\n");
        svg.Append("  <g id=\"axes\" stroke=\"#333\" stroke-width=\"1\">\n");
        svg.Append(F($"    <line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\"/>\n"));
        svg.Append(F($"    <line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\"/>\n"));
        foreach (var tick in xTicks)
        {
            svg.Append(F($"    <line x1=\"{X(tick):0.##}\" y1=\"{Height - Bottom}\" x2=\"{X(tick):0.##}\" y2=\"{Height - Bottom + 5}\"/>\n"));
        }

        foreach (var tick in yTicks)
        {
            svg.Append(F($"    <line x1=\"{Left - 5}\" y1=\"{Y(tick):0.##}\" x2=\"{Left}\" y2=\"{Y(tick):0.##}\"/>\n"));
        }

        svg.Append("  </g>\n");
        svg.Append("  <g id=\"tick-labels\" fill=\"#333\">\n");
        foreach (var tick in xTicks)
        {
            svg.Append(F($"    <text x=\"{X(tick):0.##}\" y=\"{Height - Bottom + 20}\" text-anchor=\"middle\">{Label(tick, xTicks)}</text>\n"));
        }

        foreach (var tick in yTicks)
        {
            svg.Append(F($"    <text x=\"{Left - 9}\" y=\"{Y(tick) + 4:0.##}\" text-anchor=\"end\">{Label(tick, yTicks)}</text>\n"));
        }

        svg.Append("  </g>\n");
        svg.Append(F($"  <text x=\"{Left + plotWidth / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\" font-size=\"13\">step</text>\n"));
        svg.Append(F($"  <text x=\"18\" y=\"{Top + plotHeight / 2}\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 {Top + plotHeight / 2})\">loss</text>\n"));

        svg.Append(F($"  <polyline id=\"train-loss\" fill=\"none\" stroke=\"{TrainColor}\" stroke-width=\"1.5\" stroke-linejoin=\"round\" points=\"{Points(train, X, Y)}\"/>\n"));
        if (eval.Count > 0)
        {
            svg.Append(F($"  <polyline id=\"eval-loss\" fill=\"none\" stroke=\"{EvalColor}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" points=\"{Points(eval, X, Y)}\"/>\n"));
            svg.Append(F($"  <g id=\"eval-points\" fill=\"{EvalColor}\">\n"));
            foreach (var (step, loss) in eval)
            {
                svg.Append(F($"    <circle cx=\"{X(step):0.##}\" cy=\"{Y(loss):0.##}\" r=\"3.5\"/>\n"));
            }

            svg.Append("  </g>\n");
        }

        var legendX = Width - Right - 150;
        svg.Append(F($"  <g id=\"legend\">\n    <rect x=\"{legendX}\" y=\"{Top + 8}\" width=\"140\" height=\"{(eval.Count > 0 ? 46 : 26)}\" fill=\"white\" stroke=\"#ccc\"/>\n"));
        svg.Append(F($"    <line x1=\"{legendX + 10}\" y1=\"{Top + 21}\" x2=\"{legendX + 36}\" y2=\"{Top + 21}\" stroke=\"{TrainColor}\" stroke-width=\"2\"/>\n"));
        svg.Append(F($"    <text x=\"{legendX + 44}\" y=\"{Top + 25}\">train loss</text>\n"));
        if (eval.Count > 0)
        {
            svg.Append(F($"    <line x1=\"{legendX + 10}\" y1=\"{Top + 41}\" x2=\"{legendX + 36}\" y2=\"{Top + 41}\" stroke=\"{EvalColor}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"));
            svg.Append(F($"    <circle cx=\"{legendX + 23}\" cy=\"{Top + 41}\" r=\"3.5\" fill=\"{EvalColor}\"/>\n"));
            svg.Append(F($"    <text x=\"{legendX + 44}\" y=\"{Top + 45}\">eval loss</text>\n"));
        }

        svg.Append("  </g>\n</svg>\n");
        return svg.ToString();
    }

    /// <summary>Evenly spaced round tick values (1, 2 or 5 times a power of ten) covering [min, max].</summary>
    private static double[] Ticks(double min, double max, int target, bool integers)
    {
        var raw = (max - min) / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = (raw / magnitude) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 } * magnitude;
        if (integers)
        {
            step = Math.Max(1, Math.Round(step));
        }

        var first = Math.Floor(min / step);
        var last = Math.Ceiling(max / step);
        return [.. Enumerable.Range(0, (int)(last - first) + 1).Select(i => (first + i) * step)];
    }

    private static string Label(double value, double[] ticks)
    {
        var step = ticks.Length > 1 ? ticks[1] - ticks[0] : 1;
        var decimals = Math.Clamp((int)-Math.Floor(Math.Log10(step) + 1e-9), 0, 10);
        return Math.Round(value, decimals).ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    private static string Points(IEnumerable<(int Step, double Loss)> points, Func<double, double> x, Func<double, double> y) =>
        string.Join(' ', points.Select(p => F($"{x(p.Step):0.##},{y(p.Loss):0.##}")));

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
