using FineTuneMesh.Mesh;
using FineTuneMesh.Storage;
using FineTuneMesh.Synth.Service.Generation;
using FineTuneMesh.Synth.Service.Jobs;
using FineTuneMesh.Synth.Service.Providers;
using FineTuneMesh.Synth.Service.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Synth.Service.Extensions;

public static class Extensions
{
    /// <summary>All of the service's DI in one place.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json => SynthJson.Configure(json.SerializerOptions));
        builder.Services.TryAddSingleton(TimeProvider.System);

        builder.Services.AddOptions<SynthOptions>()
            .BindConfiguration(SynthOptions.SectionName)
            .Validate(o => o.Providers.ContainsKey(o.DefaultProvider), "Synth:DefaultProvider must name one of Synth:Providers.")
            .Validate(o => o.MaxCount > 0 && o.BatchSize > 0 && o.MaxRequestsPerJob > 0 && o.MaxTokensPerJob > 0 && o.MaxAttemptsPerBatch > 0,
                "Synth limits (MaxCount, BatchSize, MaxRequestsPerJob, MaxTokensPerJob, MaxAttemptsPerBatch) must be positive.")
            .ValidateOnStart();

        // The SDKs send through this client: service discovery (http://inference) from the defaults,
        // our Retry-After capture, and no resilience handler: retries are the batch requester's.
        builder.Services.AddTransient<RetryAfterHandler>();
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt one client out.
        builder.Services.AddHttpClient(ChatProviderFactory.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<RetryAfterHandler>()
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddHttpClient<TrainingHandoffClient>((services, http) =>
            http.BaseAddress = new Uri(services.GetRequiredService<IOptions<SynthOptions>>().Value.TrainerUrl));

        builder.Services.AddSingleton<ChatProviderFactory>();
        builder.Services.AddSingleton<SynthJobRequestValidator>();
        builder.Services.AddSingleton<SynthesisRunner>();
        builder.Services.AddSingleton<SynthJobTracker>();
        builder.Services.AddSingleton<SynthJobQueue>();
        // Object storage when the AppHost (or configuration) gives the mesh's connection string;
        // otherwise a local folder, so the service also runs on its own.
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(MeshConnections.Storage)))
        {
            builder.AddArtifactStore();
            builder.Services.AddSingleton<IObjectStore, ArtifactObjectStore>();
        }
        else
        {
            builder.Services.AddSingleton<IObjectStore>(services => new FolderObjectStore(StorageFolder(services)));
        }

        builder.Services.AddSingleton<SynthStore>();
        builder.Services.AddHostedService<SynthJobWorker>();

        return builder;
    }

    private static string StorageFolder(IServiceProvider services)
    {
        var configured = services.GetRequiredService<IOptions<SynthOptions>>().Value.StorageFolder;
        return string.IsNullOrWhiteSpace(configured) ? Path.Combine(Path.GetTempPath(), "finetunemesh-synth") : configured;
    }
}
