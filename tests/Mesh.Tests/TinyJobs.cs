using System.Text.Json.Nodes;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>Training jobs on the built-in tiny model, small enough to train in seconds on two cores.</summary>
public static class TinyJobs
{
    public const string Template = "Q: {question}\nA: {answer}\n### DONE!";

    public static JsonArray Records(int count = 9) =>
        [.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
        {
            ["question"] = $"What is {i / 3} plus {i % 3}?",
            ["answer"] = $"{i / 3 + i % 3}",
        })];

    /// <summary>A job as JSON; <paramref name="epochs"/> and <paramref name="batchSize"/> set how long it trains.</summary>
    public static JsonObject Job(string id, string adapter, int epochs = 4, int batchSize = 2, int checkpointEvery = 10) => new()
    {
        ["id"] = id,
        ["adapterName"] = adapter,
        ["baseModel"] = "builtin/tiny",
        ["template"] = Template,
        ["dataset"] = new JsonObject { ["records"] = Records() },
        ["lora"] = new JsonObject { ["rank"] = 4, ["alpha"] = 8, ["targets"] = new JsonArray("q_proj", "v_proj") },
        ["training"] = new JsonObject
        {
            ["learningRate"] = 0.01,
            ["epochs"] = epochs,
            ["batchSize"] = batchSize,
            ["checkpointEverySteps"] = checkpointEvery,
        },
    };

    /// <summary>A job that runs for a while (hundreds of steps), for killing, cancelling and watching.</summary>
    public static JsonObject LongJob(string id, string adapter) => Job(id, adapter, epochs: 120, batchSize: 1, checkpointEvery: 20);

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];
}
