using System.Globalization;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using Spectre.Console;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>A sweep's leaderboard as a table: rank, trial, status, settings, held-out adherence, eval loss, time, and why a trial stopped.</summary>
public static class SweepBoardTable
{
    public static Table Of(SweepView view)
    {
        var table = new Table().Title($"sweep {Markup.Escape(view.Id)}: {view.Status.ToString().ToLowerInvariant()}, {view.Finished}/{view.Trials} trials ended")
            .Caption(Markup.Escape("ranked by " + view.Ranking))
            .AddColumns("rank", "trial", "status", "settings", "adherence", "eval loss", "seconds", "adapter", "note");
        foreach (var s in view.Leaderboard)
        {
            table.AddRow(
                s.Rank.ToString(CultureInfo.InvariantCulture),
                s.Index.ToString(CultureInfo.InvariantCulture),
                s.Status == JobStatus.Running && s.Progress is { } p ? $"running {p.Step}/{p.TotalSteps}" : s.Status.ToString().ToLowerInvariant(),
                Markup.Escape(Describe(s.Settings)),
                s.AdherenceRate is { } a ? a.ToString("P0", CultureInfo.InvariantCulture) : "",
                s.EvalLoss is { } l ? l.ToString("F4", CultureInfo.InvariantCulture) : "",
                s.DurationSeconds is { } d ? d.ToString("F1", CultureInfo.InvariantCulture) : "",
                s.Adapter is { } adapter ? Markup.Escape($"{adapter.Name} v{adapter.Version}") : "",
                Markup.Escape(s.Note ?? ""));
        }

        return table;
    }

    private static string Describe(TrialSettings settings)
    {
        var parts = new List<string>();
        void Add(string name, object? value)
        {
            if (value is not null)
            {
                parts.Add($"{name}={(value is IEnumerable<string> list ? string.Join('+', list) : Convert.ToString(value, CultureInfo.InvariantCulture))}");
            }
        }

        Add("lr", settings.LearningRate);
        Add("epochs", settings.Epochs);
        Add("rank", settings.Rank);
        Add("alpha", settings.Alpha);
        Add("targets", settings.Targets);
        Add("max-length", settings.MaxSequenceLength);
        Add("max-tokens", settings.MaxTokens);
        Add("temperature", settings.Temperature);
        Add("stop", settings.StopStrings);
        return string.Join(' ', parts);
    }
}
