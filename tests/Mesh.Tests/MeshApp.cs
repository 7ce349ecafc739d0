using Aspire.Hosting;
using Aspire.Hosting.Testing;
using FineTuneMesh.Storage;
using RabbitMQ.Client;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// The whole mesh under Aspire's testing host: the real AppHost with a local RabbitMQ broker and
/// S3 server in a fresh data folder, the built-in tiny base model, and clients for the gateway,
/// the broker and the store. Starting it takes seconds, so test classes share one.
/// </summary>
public class MeshApp : IAsyncLifetime
{
    private static readonly TimeSpan _startTimeout = TimeSpan.FromMinutes(4);

    public DistributedApplication App { get; private set; } = null!;
    public HttpClient Gateway { get; private set; } = null!;
    public ArtifactStore Store { get; private set; } = null!;
    public IConnection Broker { get; private set; } = null!;
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "finetunemesh-tests", Guid.NewGuid().ToString("N"));
    public string ModelCache => Path.Combine(DataDirectory, "models");

    /// <summary>Every resource's console output, kept after the run for whoever reads a failure.</summary>
    public string LogDirectory { get; } = Path.Combine(Path.GetTempPath(), "finetunemesh-tests", "logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", System.Globalization.CultureInfo.InvariantCulture));

    private readonly CancellationTokenSource _stopLogs = new();
    private Task _logs = Task.CompletedTask;

    protected virtual int TrainerReplicas => 2;

    /// <summary>The synth service's provider "fake": an OpenAI-compatible server that writes sample records.</summary>
    public FakeChatServer Llm { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Llm = await FakeChatServer.StartAsync();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.FineTuneMesh_AppHost>(
        [
            "--Mesh:Infrastructure=local",
            $"--Mesh:DataDirectory={DataDirectory}",
            $"--Mesh:TrainerReplicas={TrainerReplicas}",
            // Never reach for the Hub in tests, even on a machine that could.
            "--FINETUNE_BASE_MODEL=builtin/tiny",
            $"--FINETUNE_MODEL_CACHE={ModelCache}",
            "--Synth:Providers:fake:Kind=OpenAI",
            $"--Synth:Providers:fake:BaseUrl={Llm.BaseUrl}",
            "--Synth:Providers:fake:Model=fake",
            "--Synth:Providers:fake:Stream=false",
        ]);
        App = await builder.BuildAsync();
        using var start = new CancellationTokenSource(_startTimeout);
        _logs = ResourceLogs.CaptureAsync(App, LogDirectory, _stopLogs.Token);
        await App.StartAsync(start.Token);
        Gateway = App.CreateHttpClient("gateway");
        Gateway.Timeout = TimeSpan.FromMinutes(2);
        await WaitUntilGatewayAnswersAsync(start.Token);
        var storage = await App.GetConnectionStringAsync(MeshConnections.Storage, start.Token);
        Store = new ArtifactStore(StorageConnection.Parse(storage!));
        var messaging = await App.GetConnectionStringAsync(MeshConnections.Messaging, start.Token);
        Broker = await new ConnectionFactory { Uri = new Uri(messaging!) }.CreateConnectionAsync(start.Token);
    }

    /// <summary>
    /// Ready when Aspire sees the gateway healthy, or when the gateway's own /health answers 200:
    /// under load Aspire's health monitor has once stayed behind for minutes (the gateway listening,
    /// the check never marked healthy), and what the tests need is the gateway answering.
    /// </summary>
    private async Task WaitUntilGatewayAnswersAsync(CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var monitor = App.ResourceNotifications.WaitForResourceHealthyAsync("gateway", either.Token);
        var lastProblem = "no answer yet";
        while (!monitor.IsCompleted)
        {
            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, probe.Token);
                using var health = await Gateway.GetAsync("/health", linked.Token);
                if (health.IsSuccessStatusCode)
                {
                    break;
                }

                lastProblem = $"/health answered {(int)health.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastProblem = e.Message;
            }

            await Task.WhenAny(monitor, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
            if (cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the gateway did not become healthy in {_startTimeout.TotalMinutes} minutes: {lastProblem}");
            }
        }

        await either.CancelAsync();
        try
        {
            await monitor;
        }
        catch (OperationCanceledException)
        {
            // The gateway answered before Aspire's monitor said so.
        }
    }

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        if (Llm is not null)
        {
            await Llm.DisposeAsync();
        }

        Store?.Dispose();
        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }

        if (App is not null)
        {
            await App.StopAsync();
            await _stopLogs.CancelAsync();
            await _logs;
            await App.DisposeAsync();
        }

        _stopLogs.Dispose();

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
