using FineTuneMesh.Cli.Commands;
using FineTuneMesh.Cli.Commands.Mesh;
using FineTuneMesh.ServiceDefaults;
using Spectre.Console.Cli;

// The root .env is the one place models are switched; real environment variables win.
if (DotEnvFile.FindNearest(Directory.GetCurrentDirectory(), AppContext.BaseDirectory) is { } dotEnv)
{
    foreach (var (key, value) in DotEnvFile.Read(dotEnv))
    {
        if (Environment.GetEnvironmentVariable(key) is null)
        {
            Environment.SetEnvironmentVariable(key, value);
        }
    }
}

// Tables written to a pipe or a file keep whole rows instead of wrapping at 80 columns, so
// scripts can read them.
if (Console.IsOutputRedirected)
{
    Spectre.Console.AnsiConsole.Profile.Width = 240;
}

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("finetunemesh");
    config.AddBranch("model", model =>
    {
        model.SetDescription("Create, download and convert model folders.");
        model.AddCommand<ModelPullCommand>("pull").WithDescription("Download a Hugging Face model folder into the cache (resumable).");
        model.AddCommand<ModelInitCommand>("init").WithDescription("Write a seeded random model folder in Hugging Face format.");
        model.AddCommand<ModelExportGgufCommand>("export-gguf").WithDescription("Convert a model folder to GGUF for llama.cpp and Ollama.");
    });
    config.AddCommand<TokenizeCommand>("tokenize").WithDescription("Print the token ids of a text.");
    config.AddCommand<LogitsCommand>("logits").WithDescription("Print the last-position logits and a greedy continuation.");
    config.AddCommand<GenerateCommand>("generate").WithDescription("Generate a completion, streamed to the terminal.");
    config.AddCommand<ChatCommand>("chat").WithDescription("Chat with a model interactively.");
    config.AddCommand<TrainCommand>("train").WithDescription("Fine-tune a LoRA adapter on the CPU (PEFT format).");
    config.AddCommand<EvalCommand>("eval").WithDescription("Measure how well a model follows a template: adherence, early stops, run-ons, exact match.");
    config.AddBranch("adapter", adapter =>
    {
        adapter.SetDescription("Work with LoRA adapter folders.");
        adapter.AddCommand<AdapterMergeCommand>("merge").WithDescription("Fold a LoRA adapter into the base weights and write a Hugging Face model folder.");
    });
    config.AddCommand<SynthCommand>("synth").WithDescription("Have the mesh synthesize a dataset from a template and seed examples.");
    config.AddBranch("jobs", jobs =>
    {
        jobs.SetDescription("Training jobs in the mesh (--mesh URL, FINETUNE_MESH_URL; key in FINETUNE_API_KEY).");
        jobs.AddCommand<JobsSubmitCommand>("submit").WithDescription("Submit a training job; --watch follows it.");
        jobs.AddCommand<JobsListCommand>("list").WithDescription("The newest jobs.");
        jobs.AddCommand<JobsWatchCommand>("watch").WithDescription("Follow a job until it ends.");
        jobs.AddCommand<JobsCancelCommand>("cancel").WithDescription("Cancel a job.");
    });
    config.AddBranch("sweep", sweep =>
    {
        sweep.SetDescription("Sweeps, locally or in the mesh: trials over a search space, ranked by held-out template adherence.");
        sweep.AddCommand<SweepRunCommand>("run").WithDescription("Run a sweep on this machine, trial after trial, with the mesh's ranking.");
        sweep.AddCommand<SweepSubmitCommand>("submit").WithDescription("Submit a sweep (a JSON spec) to the mesh; --watch follows its leaderboard.");
        sweep.AddCommand<SweepListCommand>("list").WithDescription("Every sweep and its leader.");
        sweep.AddCommand<SweepWatchCommand>("watch").WithDescription("Follow a sweep's leaderboard until it ends.");
        sweep.AddCommand<SweepCancelCommand>("cancel").WithDescription("Cancel a sweep and its trials.");
    });
    config.AddBranch("adapters", adapters =>
    {
        adapters.SetDescription("Adapters published in the mesh.");
        adapters.AddCommand<AdaptersListCommand>("list").WithDescription("Every adapter's newest version and its scores.");
        adapters.AddCommand<AdaptersPullCommand>("pull").WithDescription("Download an adapter version's files, checked against its manifest.");
    });
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Benchmarks that print tables.");
        bench.AddCommand<BenchGenerateCommand>("generate").WithDescription("Prefill and decode speed, fp32 and bf16, against llama.cpp on the same weights.");
        bench.AddCommand<BenchTrainCommand>("train").WithDescription("LoRA training speed, fp32 and bf16, with MFU against a measured matmul peak; the seed's job end to end.");
        bench.AddCommand<BenchServeCommand>("serve").WithDescription("Serving speed: time to first token and tokens/s for concurrent streams, direct and through the gateway, gRPC and REST.");
        bench.AddCommand<BenchSpeculateCommand>("speculate").WithDescription("Speculative decoding on a template workload: tokens/s with and without, acceptance, identical answers.");
        bench.AddCommand<BenchLlamaCppCommand>("llama-cpp").IsHidden();
    });
});

return await app.RunAsync(args);
