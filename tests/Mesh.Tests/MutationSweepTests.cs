using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Aspire.Hosting.Testing;
using FineTuneMesh.Inference.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// Valid requests to every public endpoint, mutated (wrong types, missing, null and extra fields,
/// out-of-range numbers, huge strings, odd Unicode, path tricks, wrong content types, truncated
/// bodies) and sent through the gateway over REST and gRPC. Every answer is below 500; every 4xx
/// carries a message and no exception type or server path; the mesh is healthy afterwards. A
/// mutation that is still a valid request may succeed: an accepted job is cancelled at once.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class MutationSweepTests(MeshApp mesh)
{
    private static readonly string _huge = new('x', 200_000);
    private const string OddUnicode = "\u202e\u0000\ufffe\u200b𝕏é\u0301";

    private static IEnumerable<JsonNode?> OddValues() =>
        [null, "x", 123, -1, 0, 1e308, 9_223_372_036_854_775_807L, true, new JsonArray(), new JsonObject(), _huge, OddUnicode, "../../../../etc"];

    /// <summary>The request with one field (at the top level or one down) removed, or set to each odd value; plus an extra field.</summary>
    private static IEnumerable<(string What, string Body)> Mutations(JsonObject valid)
    {
        var paths = new List<string[]>();
        foreach (var (key, value) in valid)
        {
            paths.Add([key]);
            if (value is JsonObject child)
            {
                paths.AddRange(child.Select(c => new[] { key, c.Key }));
            }
        }

        foreach (var path in paths)
        {
            var removed = (JsonObject)valid.DeepClone();
            Parent(removed, path).Remove(path[^1]);
            yield return ($"without {string.Join('.', path)}", removed.ToJsonString());
            foreach (var odd in OddValues())
            {
                var changed = (JsonObject)valid.DeepClone();
                Parent(changed, path)[path[^1]] = odd?.DeepClone();
                var shown = odd?.ToJsonString() ?? "null";
                yield return ($"{string.Join('.', path)} = {(shown.Length > 40 ? shown[..40] + "..." : shown)}", changed.ToJsonString());
            }
        }

        var extra = (JsonObject)valid.DeepClone();
        extra["unexpectedField"] = new JsonObject { ["deep"] = new JsonArray(1, 2, 3) };
        yield return ("an extra field", extra.ToJsonString());
        var text = valid.ToJsonString();
        yield return ("truncated", text[..(text.Length / 2)]);
        yield return ("empty", "");
        yield return ("not JSON", "this is not json");
        yield return ("an array", $"[{text}]");
        yield return ("a bare string", "\"hello\"");
    }

    private static JsonObject Parent(JsonObject root, string[] path) =>
        path.Length == 1 ? root : (JsonObject)root[path[0]]!;

    [Fact]
    public async Task EveryRestEndpoint_AnswersMutatedRequestsBelow500WithAMessage()
    {
        var model = (await mesh.Gateway.GetFromJsonAsync<JsonObject>("/v1/models"))!["data"]![0]!["id"]!.GetValue<string>();
        var id = TinyJobs.NewId("sweep");
        var bodies = new (string Method, string Path, JsonObject Valid)[]
        {
            ("POST", "/api/train/jobs", TinyJobs.Job(id, "sweep-" + id[6..14], epochs: 1)),
            ("POST", "/api/synth/jobs", new JsonObject
            {
                ["template"] = TinyJobs.Template,
                ["seeds"] = new JsonArray(
                    new JsonObject { ["question"] = "What is 1 plus 1?", ["answer"] = "2" },
                    new JsonObject { ["question"] = "What is 2 plus 2?", ["answer"] = "4" }),
                ["count"] = 2,
                ["provider"] = "fake",
            }),
            ("POST", "/v1/completions", new JsonObject { ["model"] = model, ["prompt"] = "hello", ["max_tokens"] = 2, ["temperature"] = 0 }),
            ("POST", "/v1/chat/completions", new JsonObject
            {
                ["model"] = model,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hello" }),
                ["max_tokens"] = 2,
                ["stop"] = new JsonArray("###"),
            }),
        };

        var problems = new List<string>();
        var sent = 0;
        foreach (var (method, path, valid) in bodies)
        {
            foreach (var (what, body) in Mutations(valid))
            {
                sent++;
                await CheckAsync(problems, $"{method} {path} ({what})", new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                });
            }

            sent++;
            await CheckAsync(problems, $"{method} {path} (text/plain)", new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = new StringContent(valid.ToJsonString(), Encoding.UTF8, "text/plain"),
            });
        }

        string[] paths =
        [
            "/api/train/jobs/..%2F..%2F..%2Fetc%2Fpasswd", "/api/train/jobs/%00", "/api/train/jobs/" + new string('a', 5000),
            "/api/train/jobs/x/events", "/api/train/jobs?limit=1e9", "/api/train/datasets/../../../etc/passwd",
            "/api/train/datasets/%2e%2e/%2e%2e/etc/passwd", "/api/train/datasets/" + Uri.EscapeDataString(OddUnicode),
            "/api/train/adapters/%2e%2e", "/api/train/adapters/x/versions/-1", "/api/train/adapters/x/versions/99999999999",
            "/api/train/adapters/x/versions/abc", "/api/synth/jobs/%2e%2e", "/api/synth/jobs/..%5C..%5Cwindows",
            "/api/synth/jobs/x/dataset", "/api/synth/jobs/x/report", "/v1/models/..%2F..%2Fetc", "/v1/models/" + new string('m', 5000),
        ];
        foreach (var path in paths)
        {
            sent++;
            await CheckAsync(problems, $"GET {path[..Math.Min(path.Length, 80)]}", new HttpRequestMessage(HttpMethod.Get, path));
        }

        foreach (var path in new[] { "/api/train/jobs/..%2Fetc", "/api/synth/jobs/%00", "/api/train/jobs/" + new string('z', 5000) })
        {
            sent++;
            await CheckAsync(problems, $"DELETE {path[..Math.Min(path.Length, 80)]}", new HttpRequestMessage(HttpMethod.Delete, path));
        }

        foreach (var (what, body) in new[] { ("not JSON lines", "{\"prompt\": 1}\nnot json"), ("odd Unicode", OddUnicode), ("huge line", _huge) })
        {
            sent++;
            await CheckAsync(problems, $"PUT dataset ({what})", new HttpRequestMessage(HttpMethod.Put, $"/api/train/datasets/sweep/{Guid.NewGuid():N}.jsonl")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/jsonl"),
            });
        }

        Assert.True(problems.Count == 0, $"{problems.Count} of {sent} mutated requests were answered badly:\n{string.Join('\n', problems)}");
        Assert.True(sent > 200, $"only {sent} requests");
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task TheGrpcApi_AnswersMutatedRequestsWithoutInternalErrors()
    {
        using var channel = GrpcChannel.ForAddress(mesh.App.GetEndpoint("gateway", "grpc"));
        var grpc = new Inference.V1.Inference.InferenceClient(channel);
        GenerateRequest Valid() => new() { Prompt = "hello", Sampling = new SamplingParams { Temperature = 0, MaxTokens = 2 } };
        var requests = new List<(string What, GenerateRequest Request)>
        {
            ("no input", new GenerateRequest()),
            ("empty prompt", new GenerateRequest { Prompt = "" }),
            ("huge prompt", new GenerateRequest { Prompt = _huge, Sampling = new SamplingParams { MaxTokens = 1 } }),
            ("odd Unicode prompt", new GenerateRequest { Prompt = OddUnicode, Sampling = new SamplingParams { MaxTokens = 2 } }),
            ("no messages", new GenerateRequest { Messages = new ChatMessages() }),
            ("a message with no role", new GenerateRequest { Messages = new ChatMessages { Messages = { new ChatMessage { Content = "hi" } } } }),
            ("an unknown role", new GenerateRequest { Messages = new ChatMessages { Messages = { new ChatMessage { Role = "wizard", Content = "hi" } } } }),
        };
        foreach (var adapter in new[] { "../../etc", "/etc/passwd", new string('a', 10_000), OddUnicode, "no-such-adapter" })
        {
            var request = Valid();
            request.Adapter = adapter;
            requests.Add(($"adapter {adapter[..Math.Min(20, adapter.Length)]}", request));
        }

        foreach (var (what, set) in new (string, Action<SamplingParams>)[]
        {
            ("temperature -1", s => s.Temperature = -1), ("temperature NaN", s => s.Temperature = double.NaN),
            ("temperature +inf", s => s.Temperature = double.PositiveInfinity), ("top_p 2", s => s.TopP = 2), ("top_p -1", s => s.TopP = -1),
            ("top_k -5", s => s.TopK = -5), ("min_p 7", s => s.MinP = 7), ("repetition_penalty 0", s => s.RepetitionPenalty = 0),
            ("repetition_penalty -3", s => s.RepetitionPenalty = -3), ("max_tokens 0", s => s.MaxTokens = 0), ("max_tokens -5", s => s.MaxTokens = -5),
            ("max_tokens int.MaxValue", s => s.MaxTokens = int.MaxValue), ("seed int.MinValue", s => s.Seed = int.MinValue),
        })
        {
            var request = Valid();
            set(request.Sampling);
            requests.Add((what, request));
        }

        var stops = Valid();
        stops.Stop.AddRange(Enumerable.Repeat("", 3).Concat(Enumerable.Range(0, 500).Select(i => $"stop{i}")).Append(_huge));
        requests.Add(("odd stop strings", stops));

        var problems = new List<string>();
        foreach (var (what, request) in requests)
        {
            try
            {
                using var call = grpc.Generate(request);
                await foreach (var _ in call.ResponseStream.ReadAllAsync())
                {
                }
            }
            catch (RpcException e)
            {
                if (e.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable or StatusCode.DataLoss)
                {
                    problems.Add($"{what}: {e.StatusCode} {e.Status.Detail}");
                }
                else if (string.IsNullOrWhiteSpace(e.Status.Detail) || e.Status.Detail.Contains("Exception", StringComparison.Ordinal)
                         || e.Status.Detail.Contains(mesh.DataDirectory, StringComparison.Ordinal))
                {
                    problems.Add($"{what}: {e.StatusCode} with detail '{e.Status.Detail}'");
                }
            }
        }

        foreach (var name in new[] { "../../etc", "", new string('n', 10_000) })
        {
            try
            {
                await grpc.LoadAdapterAsync(new LoadAdapterRequest { Name = name });
                problems.Add($"LoadAdapter '{name[..Math.Min(20, name.Length)]}' succeeded");
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound)
            {
            }
            catch (RpcException e)
            {
                problems.Add($"LoadAdapter '{name[..Math.Min(20, name.Length)]}': {e.StatusCode} {e.Status.Detail}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        await AssertHealthyAsync();
    }

    private async Task CheckAsync(List<string> problems, string what, HttpRequestMessage request)
    {
        using (request)
        using (var response = await mesh.Gateway.SendAsync(request))
        {
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                problems.Add($"{what}: {status} {Short(body)}");
            }
            else if (status >= 400 && ((body.Length == 0 && !NotHttp(request)) || body.Contains("Exception", StringComparison.Ordinal)
                                       || body.Contains(mesh.DataDirectory, StringComparison.Ordinal) || body.Contains("   at ", StringComparison.Ordinal)))
            {
                problems.Add($"{what}: {status} with body '{Short(body)}'");
            }
            else if (response.StatusCode == HttpStatusCode.Accepted && JsonNode.Parse(body)?["id"]?.GetValue<string>() is { } accepted)
            {
                // Still a valid request: do not leave it running.
                var prefix = request.RequestUri!.OriginalString.StartsWith("/api/synth", StringComparison.Ordinal) ? "/api/synth/jobs/" : "/api/train/jobs/";
                using var cancelled = await mesh.Gateway.DeleteAsync(prefix + accepted);
            }
        }
    }

    private async Task AssertHealthyAsync()
    {
        foreach (var path in new[] { "/health", "/api/train/info", "/api/inference/info", "/api/synth/info" })
        {
            using var response = await mesh.Gateway.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} after the sweep");
        }
    }

    /// <summary>A NUL in the target is not valid HTTP: Kestrel refuses it with a bare 400 before any of our code runs.</summary>
    private static bool NotHttp(HttpRequestMessage request) =>
        request.RequestUri!.OriginalString.Contains("%00", StringComparison.Ordinal);

    private static string Short(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
