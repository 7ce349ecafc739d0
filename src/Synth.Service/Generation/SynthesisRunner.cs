using FineTuneMesh.Synth.Service.Quality;
using FineTuneMesh.Synth.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// Runs one job: batch after batch until the gate has accepted as many examples as asked for, a
/// cap is reached, the provider keeps failing, batches stop adding anything, or the job is cancelled.
/// </summary>
public sealed class SynthesisRunner(IOptions<SynthOptions> options, TimeProvider timeProvider, ILogger<SynthesisRunner> logger)
{
    public async Task<SynthOutcome> RunAsync(SynthJobSpec spec, Action<SynthProgress> progress, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var gate = new QualityGate(new TemplateValidator(spec.Shape, spec.MaxFieldChars, spec.MaxExampleChars), spec.Seeds, spec.NearDuplicateThreshold);
        var budget = new SynthBudget(spec.MaxRequests, spec.MaxTokens);
        var requester = new BatchRequester(settings, timeProvider, logger);
        var batch = 0;
        var unreadable = 0;
        var barren = 0;
        SynthProgress Snapshot(string kind, string? message, IReadOnlyList<ReportEntry>? entries = null) =>
            new(kind, batch, gate.Accepted.Count, gate.RejectedCount, budget.Requests, budget.InputTokens, budget.OutputTokens, message, entries);
        requester.Retrying += (attempt, failure, delay) =>
            progress(Snapshot("retry", $"batch {batch} attempt {attempt} failed ({failure}); retrying in {delay.TotalSeconds:0.###} s"));

        string? stopReason = null;
        var cancelled = false;
        try
        {
            while (gate.Accepted.Count < spec.Count)
            {
                batch++;
                var want = Math.Min(spec.BatchSize, spec.Count - gate.Accepted.Count);
                var messages = BatchPrompt.Build(spec.Template, spec.Seeds, gate.Accepted, want);
                var (_, parsed) = await requester.RequestAsync(spec.Id, batch, spec.Provider, messages, spec.ChatOptions,
                    spec.Template.Fields, budget, cancellationToken);
                unreadable += parsed.Unreadable;

                var before = gate.Accepted.Count;
                var seen = gate.Entries.Count;
                foreach (var record in parsed.Records)
                {
                    if (gate.Offer(batch, record, spec.Count) is { } rejection)
                    {
                        SynthTelemetry.Rejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason.ToString()));
                    }
                    else
                    {
                        SynthTelemetry.Accepted.Add(1);
                    }
                }

                var added = gate.Accepted.Count - before;
                progress(Snapshot("progress", $"batch {batch}: {parsed.Records.Count} records, {added} accepted", [.. gate.Entries.Skip(seen)]));
                barren = added > 0 ? 0 : barren + 1;
                if (barren >= settings.MaxBarrenBatches)
                {
                    throw new SynthLimitException($"{barren} batches in a row added no acceptable example; see the report for why");
                }
            }
        }
        catch (SynthLimitException e)
        {
            stopReason = e.Message;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        return new SynthOutcome(gate.Accepted, gate.Report(spec.Id, spec.Count, unreadable), Snapshot("progress", stopReason), stopReason, cancelled);
    }
}
