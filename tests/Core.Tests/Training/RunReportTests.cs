using System.Text.Json;
using System.Xml.Linq;
using FineTuneMesh.Core.Training;

namespace FineTuneMesh.Core.Tests.Training;

public class RunReportTests
{
    [Fact]
    public void TheReportHasMetricsAndAChartWithOnePointPerStep()
    {
        using var folder = new TempFolder();
        var train = Enumerable.Range(0, 37).Select(i => 5.0 * Math.Exp(-i / 8.0) + 0.05).ToList();
        (int Step, double Loss)[] eval = [(10, 1.9), (20, 0.9), (30, 0.7), (37, 0.75)];

        RunReport.Write(folder.Path, new TrainingOptions { LearningRate = 1e-2, Epochs = 37 }, train, eval, TimeSpan.FromSeconds(74));

        var metrics = JsonDocument.Parse(File.ReadAllText(folder.File(RunReport.MetricsFile))).RootElement;
        Assert.Equal(0.01, metrics.GetProperty("hyperparameters").GetProperty("learning_rate").GetDouble());
        Assert.Equal(37, metrics.GetProperty("hyperparameters").GetProperty("epochs").GetInt32());
        Assert.Equal(37, metrics.GetProperty("steps").GetInt32());
        Assert.Equal(train, metrics.GetProperty("train_loss").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(4, metrics.GetProperty("eval_loss").GetArrayLength());
        Assert.Equal(30, metrics.GetProperty("best_eval_step").GetInt32());
        Assert.Equal(0.75, metrics.GetProperty("final_eval_loss").GetDouble());
        Assert.Equal(train[^1], metrics.GetProperty("best_train_loss").GetDouble());
        Assert.Equal(2.0, metrics.GetProperty("seconds_per_step").GetDouble());

        var svg = XDocument.Parse(File.ReadAllText(folder.File(RunReport.ChartFile)));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = svg.Descendants(ns + "polyline").ToDictionary(p => (string)p.Attribute("id")!);
        Assert.Equal(37, ((string)lines["train-loss"].Attribute("points")!).Split(' ').Length);
        Assert.Equal(4, ((string)lines["eval-loss"].Attribute("points")!).Split(' ').Length);
        Assert.Equal(4, svg.Descendants(ns + "g").Single(g => (string?)g.Attribute("id") == "eval-points").Elements(ns + "circle").Count());
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("Training loss", texts);
        Assert.Contains("step", texts);
        Assert.Contains("loss", texts);
    }

    [Fact]
    public void ARunWithoutEvalLossOrWithOneStepStillDraws()
    {
        using var folder = new TempFolder();

        RunReport.Write(folder.Path, new { lr = 0.1 }, [2.5], [], TimeSpan.FromSeconds(1));

        var metrics = JsonDocument.Parse(File.ReadAllText(folder.File(RunReport.MetricsFile))).RootElement;
        Assert.Equal(0, metrics.GetProperty("eval_loss").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, metrics.GetProperty("best_eval_loss").ValueKind);
        var svg = XDocument.Parse(File.ReadAllText(folder.File(RunReport.ChartFile)));
        Assert.Single(svg.Descendants(), e => e.Name.LocalName == "polyline");
    }
}
