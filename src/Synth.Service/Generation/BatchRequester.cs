using System.Diagnostics;
using FineTuneMesh.Synth.Service.Providers;
using FineTuneMesh.Synth.Service.Telemetry;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// One batch: calls the provider and parses the reply, retrying with backoff on 429/5xx, network
/// errors and replies with no usable record, within the job's budget. Every call is a
/// <c>chat {model}</c> span.
/// </summary>
public sealed class BatchRequester(SynthOptions options, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>Raised before each retry wait, for the job's progress stream.</summary>
    public event Action<int, string, TimeSpan>? Retrying;

    public async Task<(ChatReply Reply, ParsedReply Parsed)> RequestAsync(string jobId, int batch, IChatProvider provider,
        IReadOnlyList<PromptMessage> messages, ChatRequestOptions chatOptions, IReadOnlyList<string> fields, SynthBudget budget,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            budget.TakeRequest();
            string failure;
            TimeSpan? retryAfter = null;
            using (var activity = StartChatActivity(provider, chatOptions, batch, attempt))
            {
                try
                {
                    var reply = await provider.CompleteAsync(messages, chatOptions, cancellationToken);
                    budget.AddUsage(reply.InputTokens, reply.OutputTokens);
                    SynthTelemetry.Tokens.Add(reply.InputTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "input"));
                    SynthTelemetry.Tokens.Add(reply.OutputTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "output"));
                    activity?.SetTag("gen_ai.usage.input_tokens", reply.InputTokens);
                    activity?.SetTag("gen_ai.usage.output_tokens", reply.OutputTokens);
                    activity?.SetTag("gen_ai.response.finish_reasons", reply.FinishReason);

                    var parsed = RecordParser.Parse(reply.Text, fields);
                    activity?.SetTag("synth.records", parsed.Records.Count);
                    if (parsed.Records.Count > 0)
                    {
                        SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
                        return (reply, parsed);
                    }

                    failure = $"the reply held no record with the template's fields ({Preview(reply.Text)})";
                    SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", "malformed"));
                    activity?.SetStatus(ActivityStatusCode.Error, "no records in reply");
                }
                catch (ProviderException e) when (e.IsTransient)
                {
                    failure = e.Message;
                    retryAfter = e.RetryAfter;
                    SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", e.StatusCode?.ToString() ?? "error"));
                    activity?.SetTag("http.response.status_code", e.StatusCode);
                    activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                }
                catch (ProviderException e)
                {
                    SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", e.StatusCode?.ToString() ?? "error"));
                    activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                    throw new SynthLimitException($"{e.Message} (not retried)", e);
                }
            }

            if (attempt >= options.MaxAttemptsPerBatch)
            {
                throw new SynthLimitException($"batch {batch} failed {attempt} times; last: {failure}");
            }

            var delay = Backoff.Delay(attempt, options.InitialBackoff, options.MaxBackoff, retryAfter, options.MaxRetryAfter);
            Log.RetryingBatch(logger, jobId, batch, attempt, failure, (long)delay.TotalMilliseconds);
            Retrying?.Invoke(attempt, failure, delay);
            await Task.Delay(delay, timeProvider, cancellationToken);
        }
    }

    private static Activity? StartChatActivity(IChatProvider provider, ChatRequestOptions chatOptions, int batch, int attempt)
    {
        var activity = SynthTelemetry.ActivitySource.StartActivity($"chat {provider.Model}", ActivityKind.Client);
        activity?.SetTag("gen_ai.operation.name", "chat");
        activity?.SetTag("gen_ai.system", provider.System);
        activity?.SetTag("gen_ai.request.model", provider.Model);
        activity?.SetTag("gen_ai.request.max_tokens", chatOptions.MaxTokens);
        activity?.SetTag("gen_ai.request.temperature", chatOptions.Temperature);
        activity?.SetTag("synth.provider", provider.Name);
        activity?.SetTag("synth.batch", batch);
        activity?.SetTag("synth.attempt", attempt);
        return activity;
    }

    private static string Preview(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length == 0 ? "empty" : $"\"{(line.Length <= 120 ? line : line[..120] + "...")}\"";
    }
}
