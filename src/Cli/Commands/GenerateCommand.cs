using System.ComponentModel;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Prompts;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>generate --prompt "..." [--chat] [sampling] [--json]</c>: one completion, streamed.</summary>
public sealed class GenerateCommand : AsyncCommand<GenerateCommand.Settings>
{
    public sealed class Settings : SamplingSettings
    {
        [CommandOption("-p|--prompt <TEXT>")] public string Prompt { get; init; } = "";
        [CommandOption("--chat"), Description("Wrap the prompt as a user message in the model's chat template.")]
        public bool Chat { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
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
}
