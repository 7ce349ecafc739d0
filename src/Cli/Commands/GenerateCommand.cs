using System.ComponentModel;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Prompts;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>generate --prompt "..." [--chat] [sampling] [--json]</c>: one completion, streamed.</summary>
public sealed class GenerateCommand : AsyncCommand<GenerateCommand.Settings>
{
    public sealed class Settings : RemoteSamplingSettings
    {
        [CommandOption("-p|--prompt <TEXT>")] public string Prompt { get; init; } = "";
        [CommandOption("--chat"), Description("Wrap the prompt as a user message in the model's chat template.")]
        public bool Chat { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.UsesMesh)
        {
            return await MeshCalls.RunAsync(settings.MeshUrl, mesh => GenerateRemoteAsync(mesh, settings, cancellationToken));
        }

        using var model = settings.LoadModel();
        var options = settings.ToOptions(model);
        IReadOnlyList<int> prompt = settings.Chat
            ? model.EncodeChat([.. settings.System is null ? Array.Empty<ChatMessage>() : [new ChatMessage("system", settings.System)],
                new ChatMessage("user", settings.Prompt)])
            : model.Tokenizer.Encode(settings.Prompt);

        var text = new System.Text.StringBuilder();
        GenerationSummary? summary = null;
        await foreach (var item in model.Generator.StreamAsync(prompt, options, cancellationToken))
        {
            if (item is TokenDelta delta)
            {
                text.Append(delta.Text);
                if (!settings.Json)
                {
                    Console.Write(delta.Text);
                }
            }
            else
            {
                summary = (GenerationSummary)item;
            }
        }

        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                Text = text.ToString(),
                TokenIds = summary!.CompletionTokenIds,
                FinishReason = summary.FinishReason.ToString().ToLowerInvariant(),
                PromptTokens = summary.PromptTokens,
                CompletionTokens = summary.CompletionTokens,
                TokensPerSecond = summary.TokensPerSecond,
            });
        }
        else
        {
            Console.WriteLine();
            Console.Error.WriteLine(
                $"[{summary!.FinishReason.ToString().ToLowerInvariant()}] {summary.CompletionTokens} tokens, first after {summary.TimeToFirstToken.TotalMilliseconds:F0} ms, {summary.TokensPerSecond:F1} tok/s");
        }

        return 0;
    }

    private static async Task<int> GenerateRemoteAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken)
    {
        var model = await RemoteCompletion.ModelAsync(mesh, settings.Adapter, cancellationToken);
        var messages = settings.Chat
            ? [.. settings.System is null ? Array.Empty<ChatMessage>() : [new ChatMessage("system", settings.System)], new ChatMessage("user", settings.Prompt)]
            : (IReadOnlyList<ChatMessage>?)null;
        var result = await RemoteCompletion.StreamAsync(mesh, model, settings.Chat ? null : settings.Prompt, messages, settings,
            text => { if (!settings.Json) { Console.Write(text); } }, cancellationToken);
        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                result.Text,
                Model = model,
                result.FinishReason,
                result.PromptTokens,
                result.CompletionTokens,
            });
        }
        else
        {
            Console.WriteLine();
            Console.Error.WriteLine($"[{result.FinishReason}] {result.CompletionTokens} tokens from {model} at {mesh.BaseAddress}");
        }

        return 0;
    }
}
