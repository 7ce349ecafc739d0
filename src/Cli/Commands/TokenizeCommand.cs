using System.ComponentModel;
using FineTuneMesh.Core.Tokenization;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>tokenize --model DIR --text "..." [--json]</c>.</summary>
public sealed class TokenizeCommand : Command<TokenizeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("-t|--text <TEXT>"), Description("The text to tokenize.")] public string Text { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // Only the tokenizer is needed: no weights are loaded.
        var tokenizer = TextTokenizer.Load(settings.ResolveFolder());
        var ids = tokenizer.Encode(settings.Text);
        if (settings.Json)
        {
            JsonOutput.Write(new { Ids = ids });
        }
        else
        {
            Console.WriteLine(string.Join(' ', ids));
        }

        return 0;
    }
}
