using System.Text.Json;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Synth.Service.Tests;

/// <summary>The repo's sample dataset (samples/python-qa), copied next to the tests.</summary>
public static class Sample
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "samples", "python-qa");

    public static string TemplateText => File.ReadAllText(Path.Combine(Folder, "template.txt"));

    public static PromptTemplate Template => PromptTemplate.Parse(TemplateText);

    public static IReadOnlyList<Dictionary<string, string>> Seeds => Read("seed.jsonl");

    public static IReadOnlyList<Dictionary<string, string>> Dataset => Read("dataset.jsonl");

    public static IReadOnlyList<Dictionary<string, string>> Read(string file) =>
        [.. File.ReadLines(Path.Combine(Folder, file))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<Dictionary<string, string>>(line)!)];
}
