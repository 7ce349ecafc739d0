using System.ComponentModel;
using System.Text.Json.Nodes;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh.Jobs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>
/// <c>jobs submit --adapter NAME (--data FILE.jsonl | --dataset KEY) [--template FILE] [settings] [--watch]</c>:
/// a training job for the mesh. Settings left out take the mesh's defaults; a local data file is
/// sent inline, a dataset key names one already stored.
/// </summary>
public sealed class JobsSubmitCommand : MeshCommand<JobsSubmitCommand.Settings>
{
    public sealed class Settings : MeshSettings
    {
        [CommandOption("--adapter <NAME>"), Description("The adapter name to publish under.")] public string Adapter { get; init; } = "";
        [CommandOption("--data <FILE>"), Description("A local JSONL file, sent with the job.")] public string? Data { get; init; }
        [CommandOption("--dataset <KEY>"), Description("A dataset key in the mesh (e.g. library/python-qa/v1.jsonl from synth --save-as).")]
        public string? Dataset { get; init; }
        [CommandOption("--template <FILE>"), Description("The prompt template file for template records.")] public string? Template { get; init; }
        [CommandOption("--base-model <NAME>"), Description("A base model name the mesh knows (default: its FINETUNE_BASE_MODEL).")]
        public string? BaseModel { get; init; }
        [CommandOption("--id <ID>"), Description("The job id (idempotency key); generated when left out.")] public string? Id { get; init; }
        [CommandOption("--rank <R>")] public int? Rank { get; init; }
        [CommandOption("--alpha <A>")] public double? Alpha { get; init; }
        [CommandOption("--targets <LIST>"), Description("q_proj,v_proj or all-linear.")] public string? Targets { get; init; }
        [CommandOption("--lr <LR>")] public double? LearningRate { get; init; }
        [CommandOption("--epochs <N>")] public int? Epochs { get; init; }
        [CommandOption("--batch-size <N>")] public int? BatchSize { get; init; }
        [CommandOption("--max-length <N>")] public int? MaxLength { get; init; }
        [CommandOption("--dtype <DTYPE>"), Description("auto, fp32, bf16 or fp16.")] public string? DType { get; init; }
        [CommandOption("--eval-max-tokens <N>"), Description("Token limit of each held-out answer in the adherence evaluation.")]
        public int? EvalMaxTokens { get; init; }
        [CommandOption("--watch"), Description("Follow the job until it ends (exit code 1 when it fails).")] public bool Watch { get; init; }
    }

    protected override async Task<int> RunAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken)
    {
        if ((settings.Data is null) == (settings.Dataset is null))
        {
            throw new MeshException("give exactly one of --data FILE.jsonl (sent with the job) or --dataset KEY (stored in the mesh).", MeshExitCodes.Refused);
        }

        var record = await mesh.PostJsonAsync<JobRecord>("api/train/jobs", Body(settings), cancellationToken);
        Console.WriteLine($"job {record.Id} {record.Status.ToString().ToLowerInvariant()} (adapter {record.Spec.AdapterName})");
        return settings.Watch ? JobWatcher.Report(await JobWatcher.WatchAsync(mesh, record.Id, cancellationToken)) : MeshExitCodes.Success;
    }

    /// <summary>The job as JSON with only what was given: the mesh fills in (and validates) the rest.</summary>
    private static JsonObject Body(Settings settings)
    {
        var lora = Section(("rank", settings.Rank), ("alpha", settings.Alpha));
        if (settings.Targets is { } targets)
        {
            lora["targets"] = new JsonArray([.. targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => (JsonNode)JsonValue.Create(t)!)]);
        }

        var training = Section(("learningRate", settings.LearningRate), ("epochs", settings.Epochs), ("batchSize", settings.BatchSize),
            ("maxSequenceLength", settings.MaxLength));
        if (settings.DType is { } dtype)
        {
            training["dtype"] = dtype;
        }

        var body = new JsonObject
        {
            ["adapterName"] = settings.Adapter,
            ["dataset"] = settings.Data is { } data ? new JsonObject { ["records"] = LocalInputFiles.ReadJsonLines(data, "--data") } : new JsonObject { ["key"] = settings.Dataset },
            ["lora"] = lora,
            ["training"] = training,
            ["evaluation"] = Section(("maxTokens", settings.EvalMaxTokens)),
        };
        Add(body, "id", settings.Id);
        Add(body, "baseModel", settings.BaseModel);
        Add(body, "template", settings.Template is { } template ? LocalInputFiles.ReadText(template, "--template") : null);
        return body;
    }

    private static JsonObject Section(params (string Name, object? Value)[] values)
    {
        var section = new JsonObject();
        foreach (var (name, value) in values.Where(v => v.Value is not null))
        {
            section[name] = JsonValue.Create(value);
        }

        return section;
    }

    private static void Add(JsonObject body, string name, string? value)
    {
        if (value is not null)
        {
            body[name] = value;
        }
    }
}
