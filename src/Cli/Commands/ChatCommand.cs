using FineTuneMesh.Core.Generation;
using FineTuneMesh.Prompts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>chat</c>: an interactive, streaming conversation with history, /reset and /exit.</summary>
public sealed class ChatCommand : AsyncCommand<SamplingSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SamplingSettings settings, CancellationToken cancellationToken)
    {
        using var model = settings.LoadModel();
        var options = settings.ToOptions(model);
        var history = NewHistory(settings.System);
        AnsiConsole.MarkupLine("[grey]Type a message; /reset clears the history, /exit quits.[/]");
        while (!cancellationToken.IsCancellationRequested)
        {
            Console.Write("> ");
            var line = Console.ReadLine();
            if (line is null || line.Trim() == "/exit")
            {
                break;
            }

            if (line.Trim() == "/reset")
            {
                history = NewHistory(settings.System);
                AnsiConsole.MarkupLine("[grey]History cleared.[/]");
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            history.Add(new ChatMessage("user", line));
            var reply = new System.Text.StringBuilder();
            await foreach (var item in model.Generator.StreamAsync(model.EncodeChat(history), options, cancellationToken))
            {
                if (item is TokenDelta delta)
                {
                    reply.Append(delta.Text);
                    Console.Write(delta.Text);
                }
            }

            Console.WriteLine();
            history.Add(new ChatMessage("assistant", reply.ToString()));
        }

        return 0;
    }

    private static List<ChatMessage> NewHistory(string? system) =>
        system is null ? [] : [new ChatMessage("system", system)];
}
