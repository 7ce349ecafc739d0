using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneMesh.Inference.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>bench serve</c>: starts the inference service and the gateway (their own builds, as child
/// processes, on free ports) on a model folder, then runs 1, 2 and 4 concurrent greedy streams
/// over gRPC and over the OpenAI-compatible REST API, each direct and through the gateway, and
/// prints time to first token, tokens/s and the gateway's added latency per token; then the time to
/// first token of a request that joins three streams already decoding, against the same request
/// alone. With <c>--adapters N</c> the streams run on N different adapters over the one base model
/// (several adapters in one shared step). A benchmark, not a test: it asserts nothing.
/// </summary>
public sealed class BenchServeCommand : AsyncCommand<BenchServeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <DIR>"), Description("Model folder (e.g. one made by `model init --preset qwen2.5-0.5b --dtype bf16`).")]
        public string Model { get; init; } = "";
        [CommandOption("--dtype <DTYPE>"), Description("Compute dtype of the service (default bf16).")]
        public string DType { get; init; } = "bf16";
        [CommandOption("--streams <LIST>"), Description("Comma-separated concurrent stream counts (default 1,2,4).")]
        public string Streams { get; init; } = "1,2,4";
        [CommandOption("--max-tokens <N>"), Description("Tokens generated per stream (default 32).")]
        public int MaxTokens { get; init; } = 32;
        [CommandOption("--repeats <N>"), Description("Runs per row; each column is the median (default 3: the host is noisy).")]
        public int Repeats { get; init; } = 3;
        [CommandOption("--adapters <N>"), Description("0 (default): every stream on the base model; N: N random rank-8 adapters over it, the streams of a run spread over them in turn.")]
        public int Adapters { get; init; }
        [CommandOption("--draft-tokens <N>"), Description("The service's Inference:DraftTokens (default 8; 0 turns speculative decoding off, to compare batching alone: drafts from a looping random model inflate tokens/s).")]
        public int DraftTokens { get; init; } = 8;
        [CommandOption("--prompt <TEXT>")]
        public string Prompt { get; init; } = "The history of the reverse proxy begins with the early web, when servers needed a way to";
    }

    private const string ApiKey = "bench-serve-key";

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var folder = ModelLocator.Resolve(settings.Model);
        var streams = settings.Streams.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Uri Local(int port) => new($"http://127.0.0.1:{port}");
        var (inferenceRest, inferenceGrpc, gatewayRest, gatewayGrpc) =
            (Local(ServiceProcess.FreePort()), Local(ServiceProcess.FreePort()), Local(ServiceProcess.FreePort()), Local(ServiceProcess.FreePort()));

        using var adapters = new BenchAdapters(folder, settings.Adapters);
        AnsiConsole.MarkupLine($"[grey]starting the inference service on {folder} ({settings.DType}, {settings.Adapters} adapters) and the gateway...[/]");
        using var inference = ServiceProcess.Start("Inference.Service", "FineTuneMesh.Inference.Service", new Dictionary<string, string>
        {
            ["Inference__AdaptersRoot"] = adapters.Root,
            ["Inference__MaxLoadedAdapters"] = $"{Math.Max(8, settings.Adapters)}",
            ["FINETUNE_BASE_MODEL"] = folder,
            ["FINETUNE_DTYPE"] = settings.DType,
            ["Inference__DraftTokens"] = $"{settings.DraftTokens}",
            // Four at least: the joining measurement runs three streams and a fourth.
            ["Inference__MaxConcurrentGenerations"] = $"{Math.Max(4, streams.Max())}",
            ["Kestrel__Endpoints__http__Url"] = inferenceRest.ToString(),
            ["Kestrel__Endpoints__grpc__Url"] = inferenceGrpc.ToString(),
        });
        using var gateway = ServiceProcess.Start("Gateway", "FineTuneMesh.Gateway", new Dictionary<string, string>
        {
            ["Gateway__ApiKey"] = ApiKey,
            ["services__inference__http__0"] = inferenceRest.ToString(),
            ["services__inference__grpc__0"] = inferenceGrpc.ToString(),
            ["Kestrel__Endpoints__http__Url"] = gatewayRest.ToString(),
            ["Kestrel__Endpoints__grpc__Url"] = gatewayGrpc.ToString(),
        });
        await inference.WaitHealthyAsync(inferenceRest, TimeSpan.FromMinutes(5), cancellationToken);
        await gateway.WaitHealthyAsync(gatewayRest, TimeSpan.FromMinutes(1), cancellationToken);

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        var modelId = (await http.GetFromJsonAsync<JsonElement>(new Uri(inferenceRest, "/v1/models"), cancellationToken))
            .GetProperty("data")[0].GetProperty("id").GetString()!;
        using var directChannel = GrpcChannel.ForAddress(inferenceGrpc);
        using var gatewayChannel = GrpcChannel.ForAddress(gatewayGrpc);
        var directClient = new Inference.V1.Inference.InferenceClient(directChannel);
        var gatewayClient = new Inference.V1.Inference.InferenceClient(gatewayChannel);

        // Warm-up: the first bf16 matmuls pay one-time kernel set-up; each path's connections open.
        await GrpcStreamAsync(directClient, settings, cancellationToken);
        await GrpcStreamAsync(gatewayClient, settings, cancellationToken);
        await RestStreamAsync(http, new Uri(gatewayRest, "/v1/completions"), modelId, settings, cancellationToken);

        // Wide enough for the table when the output is redirected (Spectre assumes 80 columns then).
        AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 150);
        // The ceiling batching runs into: every row of a step costs 2 FLOP per weight, at the rate
        // F.linear reaches here in the dtype the decode kernels multiply in: bf16 pairs where the
        // weights are bf16 and the CPU has AVX512_BF16 (the native kernels), fp32 otherwise.
        var config = Core.Modeling.ModelConfig.Load(Path.Combine(folder, "config.json"));
        var flopsPerToken = 2 * DecodeTraffic.BytesPerToken(config, "fp32") / 4;
        var plan = Core.Modeling.ComputePlan.Choose(settings.DType, Core.Modeling.ComputeWork.Inference, Core.Kernels.CpuFeatures.Current);
        var kernelDType = plan.Weights == TorchSharp.torch.ScalarType.BFloat16 && Core.Kernels.MatVec.MultipliesBFloat16Pairs
            ? TorchSharp.torch.ScalarType.BFloat16
            : TorchSharp.torch.ScalarType.Float32;
        var peak = MatmulPeak.Measure(kernelDType);
        var computeLimit = peak * 1e9 / flopsPerToken;
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "CPU: [bold]{0}[/]; compute limit {1:F0} tok/s in total ({2} F.linear {3:F0} GFLOP/s / {4:F2} GFLOP per token)",
            Markup.Escape(Core.Kernels.CpuFeatures.Current.Describe()), computeLimit, Core.Modeling.DTypeNames.ToUserName(kernelDType), peak, flopsPerToken / 1e9);
        var table = new Table().AddColumns("protocol", "path", "streams", "tokens/stream", "TTFT ms", "ms/token",
            "tok/s per stream", "tok/s total", "of compute limit", "steps by sequences", "drafts accepted", "gateway +ms/token", "gateway +TTFT ms");
        var added = new List<(string Protocol, int Streams, double PerToken)>();
        foreach (var protocol in new[] { "gRPC", "REST (SSE)" })
        {
            foreach (var n in streams)
            {
                Measurement? direct = null;
                foreach (var path in new[] { "direct", "gateway" })
                {
                    Func<Task<StreamTiming>> one = (protocol, path) switch
                    {
                        ("gRPC", "direct") => () => GrpcStreamAsync(directClient, settings, cancellationToken, adapter: adapters.Next()),
                        ("gRPC", _) => () => GrpcStreamAsync(gatewayClient, settings, cancellationToken, adapter: adapters.Next()),
                        (_, "direct") => () => RestStreamAsync(http, new Uri(inferenceRest, "/v1/completions"), adapters.Next() ?? modelId, settings, cancellationToken),
                        _ => () => RestStreamAsync(http, new Uri(gatewayRest, "/v1/completions"), adapters.Next() ?? modelId, settings, cancellationToken),
                    };
                    var before = await DecodeStatisticsAsync(http, inferenceRest, cancellationToken);
                    var result = await MeasureAsync(one, n, settings.Repeats);
                    var after = await DecodeStatisticsAsync(http, inferenceRest, cancellationToken);
                    var perToken = direct is null ? "" : $"{result.MillisecondsPerToken - direct.MillisecondsPerToken:+0.00;-0.00}";
                    var ttft = direct is null ? "" : $"{result.TimeToFirstTokenMs - direct.TimeToFirstTokenMs:+0.0;-0.0}";
                    if (direct is not null)
                    {
                        added.Add((protocol, n, result.MillisecondsPerToken - direct.MillisecondsPerToken));
                    }

                    table.AddRow(protocol, path, $"{n}", $"{result.TokensPerStream:F0}", $"{result.TimeToFirstTokenMs:F0}",
                        $"{result.MillisecondsPerToken:F1}", $"{result.TokensPerSecondPerStream:F1}", $"{result.TotalTokensPerSecond:F1}",
                        $"{result.TotalTokensPerSecond / computeLimit:P0}", after.StepsSince(before), after.AcceptanceSince(before), perToken, ttft);
                    direct ??= result;
                }
            }
        }

        AnsiConsole.Write(table);
        foreach (var group in added.GroupBy(a => a.Protocol))
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "gateway added latency per token, {0}: {1:+0.00;-0.00} ms (mean over {2} stream counts; single stream {3:+0.00;-0.00} ms; noise is several ms)",
                Markup.Escape(group.Key), group.Average(a => a.PerToken), group.Count(), group.First().PerToken);
        }

        var (alone, joining, pause) = await JoinLatencyAsync(directClient, settings, cancellationToken);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "TTFT of a request joining 3 running streams (gRPC direct, median of {0}): {1:F0} ms; alone {2:F0} ms; {3:F2}x (goal at most 2x); "
            + "the running streams' longest pause between tokens while it joined: {4:F0} ms",
            Math.Max(1, settings.Repeats), joining, alone, joining / alone, pause);
        return 0;
    }

    /// <summary>
    /// The median time to first token of one request alone, and of the same request sent while
    /// three others are decoding (each has streamed its first token, and each has far more to go);
    /// and the median of the longest time the running streams went without a token while it
    /// joined (its prefill is what could stall them).
    /// </summary>
    private static async Task<(double AloneMs, double JoiningMs, double PauseMs)> JoinLatencyAsync(Inference.V1.Inference.InferenceClient client, Settings settings,
        CancellationToken cancellationToken)
    {
        var (alone, joining, pauses) = (new List<double>(), new List<double>(), new List<double>());
        for (var run = 0; run < Math.Max(1, settings.Repeats); run++)
        {
            alone.Add((await GrpcStreamAsync(client, settings, cancellationToken)).FirstToken.TotalMilliseconds);

            using var stopRunning = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var started = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var longer = new Settings { Prompt = settings.Prompt, MaxTokens = settings.MaxTokens * 8 };
            var deltas = started.Select(_ => new System.Collections.Concurrent.ConcurrentQueue<long>()).ToArray();
            var running = started.Select((first, i) => Task.Run(async () =>
            {
                try
                {
                    await GrpcStreamAsync(client, longer, stopRunning.Token, first, () => deltas[i].Enqueue(Stopwatch.GetTimestamp()));
                }
                catch (Exception e) when (e is RpcException or OperationCanceledException && stopRunning.IsCancellationRequested)
                {
                    // Stopped by this measurement once the joining request had its first token.
                }
                finally
                {
                    first.TrySetResult();
                }
            })).ToArray();
            await Task.WhenAll(started.Select(s => s.Task));
            var joined = Stopwatch.GetTimestamp();
            joining.Add((await GrpcStreamAsync(client, settings, cancellationToken)).FirstToken.TotalMilliseconds);
            var firstToken = Stopwatch.GetTimestamp();
            await stopRunning.CancelAsync();
            await Task.WhenAll(running);
            pauses.Add(deltas.Max(stream => LongestPause([.. stream], joined, firstToken)));
        }

        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        return (Median(alone), Median(joining), Median(pauses));
    }

    /// <summary>The longest time between two tokens of one stream that overlaps [from, to] (timestamps).</summary>
    private static double LongestPause(long[] tokens, long from, long to)
    {
        var longest = 0.0;
        for (var i = 1; i < tokens.Length; i++)
        {
            if (tokens[i] >= from && tokens[i - 1] <= to)
            {
                longest = Math.Max(longest, Stopwatch.GetElapsedTime(tokens[i - 1], tokens[i]).TotalMilliseconds);
            }
        }

        return longest;
    }

    /// <summary>The service's decode statistics (shared steps by sequences, drafted and accepted tokens), from its info endpoint.</summary>
    private sealed record DecodeStatistics(long[] Steps, long Drafted, long Accepted)
    {
        /// <summary>"1:12 2:30 4:50": how many steps ran with each number of sequences since <paramref name="before"/>.</summary>
        public string StepsSince(DecodeStatistics before) => string.Join(" ", Steps.Select((count, size) =>
            (size, count: count - (size < before.Steps.Length ? before.Steps[size] : 0))).Where(p => p.size > 0 && p.count > 0).Select(p => $"{p.size}:{p.count}"));

        public string AcceptanceSince(DecodeStatistics before) => (Drafted - before.Drafted) is > 0 and var drafted
            ? $"{(double)(Accepted - before.Accepted) / drafted:P0} of {drafted}"
            : "none drafted";
    }

    private static async Task<DecodeStatistics> DecodeStatisticsAsync(HttpClient http, Uri service, CancellationToken cancellationToken)
    {
        var decoding = (await http.GetFromJsonAsync<JsonElement>(new Uri(service, "/api/inference/info"), cancellationToken)).GetProperty("decoding");
        return new DecodeStatistics([.. decoding.GetProperty("stepsBySequences").EnumerateArray().Select(e => e.GetInt64())],
            decoding.GetProperty("draftedTokens").GetInt64(), decoding.GetProperty("acceptedDraftTokens").GetInt64());
    }

    private sealed record Measurement(double TimeToFirstTokenMs, double MillisecondsPerToken, double TokensPerSecondPerStream,
        double TotalTokensPerSecond, double TokensPerStream);

    /// <summary>
    /// Runs <paramref name="streams"/> streams at once, <paramref name="repeats"/> times: per run
    /// the mean over its streams (the total rate over the run's wall time), then the median of the runs.
    /// </summary>
    private static async Task<Measurement> MeasureAsync(Func<Task<StreamTiming>> one, int streams, int repeats)
    {
        var runs = new List<Measurement>();
        for (var run = 0; run < Math.Max(1, repeats); run++)
        {
            var clock = Stopwatch.StartNew();
            var timings = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => Task.Run(one)));
            var wall = clock.Elapsed.TotalSeconds;
            runs.Add(new Measurement(
                timings.Average(t => t.FirstToken.TotalMilliseconds),
                timings.Average(t => t.MillisecondsPerToken),
                timings.Average(t => t.TokensPerSecond),
                timings.Sum(t => t.Tokens) / wall,
                timings.Average(t => t.Tokens)));
        }

        static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        return new Measurement(Median(runs.Select(r => r.TimeToFirstTokenMs)), Median(runs.Select(r => r.MillisecondsPerToken)),
            Median(runs.Select(r => r.TokensPerSecondPerStream)), Median(runs.Select(r => r.TotalTokensPerSecond)), Median(runs.Select(r => r.TokensPerStream)));
    }

    /// <param name="client">Direct or through the gateway.</param>
    /// <param name="settings">The prompt and max tokens.</param>
    /// <param name="cancellationToken">Ends the stream early.</param>
    /// <param name="firstToken">Completed when the first token arrives.</param>
    /// <param name="onDelta">Called as each delta arrives.</param>
    /// <param name="adapter">The adapter to generate with; null for the base model.</param>
    private static async Task<StreamTiming> GrpcStreamAsync(Inference.V1.Inference.InferenceClient client, Settings settings, CancellationToken cancellationToken,
        TaskCompletionSource? firstToken = null, Action? onDelta = null, string? adapter = null)
    {
        var request = new GenerateRequest
        {
            Prompt = settings.Prompt,
            Adapter = adapter ?? "",
            Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = settings.MaxTokens },
        };
        var clock = Stopwatch.StartNew();
        using var call = client.Generate(request, new Metadata { { "x-api-key", ApiKey } }, cancellationToken: cancellationToken);
        TimeSpan? first = null;
        var last = TimeSpan.Zero;
        var tokens = 0;
        await foreach (var frame in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (frame.FrameCase == GenerateResponse.FrameOneofCase.Delta)
            {
                first ??= clock.Elapsed;
                last = clock.Elapsed;
                firstToken?.TrySetResult();
                onDelta?.Invoke();
            }
            else if (frame.FrameCase == GenerateResponse.FrameOneofCase.Summary)
            {
                tokens = frame.Summary.CompletionTokens;
            }
        }

        return new StreamTiming(first ?? clock.Elapsed, last, tokens);
    }

    private static async Task<StreamTiming> RestStreamAsync(HttpClient http, Uri completions, string model, Settings settings, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model"] = model,
            ["prompt"] = settings.Prompt,
            ["temperature"] = 0,
            ["repetition_penalty"] = 1.0,
            ["max_tokens"] = settings.MaxTokens,
            ["stream"] = true,
            ["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = true },
        });
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, completions) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        TimeSpan? first = null;
        var last = TimeSpan.Zero;
        var tokens = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                continue;
            }

            using var chunk = JsonDocument.Parse(line.AsMemory(6));
            if (chunk.RootElement.TryGetProperty("usage", out var usage))
            {
                tokens = usage.GetProperty("completion_tokens").GetInt32();
            }
            else if (chunk.RootElement.GetProperty("choices")[0].GetProperty("text").GetString() is { Length: > 0 })
            {
                first ??= clock.Elapsed;
                last = clock.Elapsed;
            }
        }

        return new StreamTiming(first ?? clock.Elapsed, last, tokens);
    }
}
