using System.ComponentModel;
using System.Text.Json;
using FineTuneMesh.Cli.Commands.Mesh;
using FineTuneMesh.Core.Hub;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>sweep run --spec FILE.json --data FILE.jsonl [--template FILE] [--model DIR] [--output DIR]</c>:
/// the sweep of <c>sweep submit</c>, run on this machine trial after trial, with the same ranking:
/// each trial's adapter under <c>--output/trial-N</c>, the leaderboard printed and written as
/// <c>leaderboard.json</c>.
/// </summary>
public sealed class SweepRunCommand : Command<SweepRunCommand.Settings>
{
    /// <summary>A local sweep's trial budget: no mesh cap applies, only patience.</summary>
    public const int MaxLocalTrials = 256;

    public sealed class Settings : ModelSettings
    {
        [CommandOption("--spec <FILE>"), Description("The sweep as JSON, as for sweep submit (job.dataset is ignored: --data gives the records).")]
        public string Spec { get; init; } = "";
        [CommandOption("--data <FILE>"), Description("The JSONL records every trial trains on; its seeded held-out split scores them.")]
        public string Data { get; init; } = "";
        [CommandOption("--template <FILE>"), Description("The template file (else the spec's job.template).")] public string? Template { get; init; }
        [CommandOption("-o|--output <DIR>"), Description("Where each trial's adapter and the leaderboard go (default: ./sweep).")]
        public string Output { get; init; } = "sweep";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Spec) || !File.Exists(settings.Data))
        {
            throw new ArgumentException("--spec FILE.json and --data FILE.jsonl are required and must exist.");
        }

        var spec = JsonSerializer.Deserialize<SweepSpec>(File.ReadAllText(settings.Spec), MeshJson.Options)
            ?? throw new ArgumentException($"{settings.Spec} holds no sweep.");
        var job = spec.Job ?? new TrainingJobSpec();
        spec = spec with { Job = job with { Template = settings.Template is { } path ? File.ReadAllText(path) : job.Template } };
        var (trials, errors) = SweepPlanner.Plan(spec, MaxLocalTrials);
        if (spec.Job.Template is null)
        {
            errors = [.. errors, "a template is required (--template FILE or job.template): trials are scored by held-out template adherence."];
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                Console.Error.WriteLine($"error: {error}");
            }

            return 2;
        }

        var folder = settings.ResolveFolder();
        var sweep = new LocalSweep(folder, settings.ComputePlan(ComputeWork.Training), settings.Data, settings.Output);
        Console.WriteLine($"{trials.Count} trials on {ModelProvenance.Of(folder).NameOrPath}");
        var ranked = AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
            .Start(display =>
            {
                var overall = display.AddTask("sweep", maxValue: trials.Count);
                var current = display.AddTask("trial 0");
                sweep.Stepped += (index, p) =>
                {
                    current.MaxValue = p.TotalSteps;
                    current.Value = p.Step;
                    current.Description = $"trial {index}: " + TrainingProgressText.Describe(p.Epoch, p.Step, p.TotalSteps, p.Loss, p.EvalLoss, p.TokensPerSecond);
                };
                sweep.TrialEnded += _ => overall.Increment(1);
                return sweep.Run(spec, trials, cancellationToken);
            });

        var view = new SweepView
        {
            Id = "local",
            Status = SweepRanking.StatusOf(ranked, cancelRequested: false),
            Spec = spec,
            Leaderboard = ranked,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        Directory.CreateDirectory(settings.Output);
        File.WriteAllBytes(Path.Combine(settings.Output, "leaderboard.json"), MeshJson.Serialize(view));
        AnsiConsole.Write(SweepBoardTable.Of(view));
        var winner = ranked.FirstOrDefault(s => s.Status == JobStatus.Succeeded);
        Console.WriteLine(winner is null ? "no trial succeeded" : $"the best trial is {winner.Index}: its adapter is {winner.Note}");
        return winner is null ? 1 : 0;
    }
}
