using System.ComponentModel;
using FineTuneMesh.Core.Hub;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>model pull REPO[@REVISION]</c>: download a model folder into the cache (resumable).</summary>
public sealed class ModelPullCommand : AsyncCommand<ModelPullCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[REPO]"), Description("owner/name[@revision]; default: FINETUNE_BASE_MODEL.")]
        public string? Repo { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var name = settings.Repo ?? Environment.GetEnvironmentVariable(ModelLocator.BaseModelVariable)
            ?? throw new InvalidOperationException($"no repo given: pass REPO or set {ModelLocator.BaseModelVariable}.");
        var reference = ModelReference.Parse(name);
        if (settings.Repo is null && Environment.GetEnvironmentVariable(ModelLocator.BaseRevisionVariable) is { Length: > 0 } revision)
        {
            reference = reference with { Revision = revision };
        }

        using var http = HubClient.CreateHttpClient();
        var hub = new HubClient(http);
        var lastFile = "";
        var progress = new Progress<HubProgress>(p =>
        {
            if (p.File != lastFile)
            {
                lastFile = p.File;
                AnsiConsole.MarkupLineInterpolated($"[grey]downloading {p.File}[/]");
            }
        });
        var pulled = await hub.PullAsync(reference.RepoId, reference.Revision, progress, cancellationToken);
        if (pulled.FromCache)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{pulled.Message}[/]");
        }

        AnsiConsole.MarkupLineInterpolated($"{pulled.RepoId}@{pulled.Revision} ({pulled.Sha}) is in [bold]{pulled.Folder}[/]");
        return 0;
    }
}
