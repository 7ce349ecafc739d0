using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Prompts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>chat</c>: an interactive, streaming conversation with history, /reset and /exit, with a local
/// model or (<c>--mesh</c>) the mesh's served base model or adapter.
/// </summary>
public sealed class ChatCommand : AsyncCommand<RemoteSamplingSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RemoteSamplingSettings settings, CancellationToken cancellationToken)
    {
        if (settings.UsesMesh)
        {
            return await MeshCalls.RunAsync(settings.MeshUrl, async mesh =>
            {
                var model = await RemoteCompletion.ModelAsync(mesh, settings.Adapter, cancellationToken);
                AnsiConsole.MarkupLineInterpolated($"[grey]Chatting with {model} at {mesh.BaseAddress}.[/]");
                await ConverseAsync(settings.System, async history =>
                    (await RemoteCompletion.StreamAsync(mesh, model, null, history, settings, Console.Write, cancellationToken)).Text, cancellationToken);
                return 0;
            });
        }

        using var local = settings.LoadModel();
        var options = settings.ToOptions(local);
        await ConverseAsync(settings.System, async history =>
        {
            var reply = new System.Text.StringBuilder();
            await foreach (var item in local.Generator.StreamAsync(local.EncodeChat(history), options, cancellationToken))
            {
                if (item is TokenDelta delta)
                {
                    reply.Append(delta.Text);
                    Console.Write(delta.Text);
                }
            }

            return reply.ToString();
        }, cancellationToken);
        return 0;
    }

    /// <summary>The conversation loop: each user line goes with the history to <paramref name="reply"/>, which streams the answer.</summary>
    private static async Task ConverseAsync(string? system, Func<List<ChatMessage>, Task<string>> reply, CancellationToken cancellationToken)
    {
        var history = NewHistory(system);
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
                history = NewHistory(system);
                AnsiConsole.MarkupLine("[grey]History cleared.[/]");
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            history.Add(new ChatMessage("user", line));
            var answer = await reply(history);
            Console.WriteLine();
            history.Add(new ChatMessage("assistant", answer));
        }
    }

    private static List<ChatMessage> NewHistory(string? system) =>
        system is null ? [] : [new ChatMessage("system", system)];
}
