using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// What every FineTuneMesh service shares: .env configuration, OpenTelemetry, service discovery,
/// HttpClient resilience and the /health and /alive endpoints.
/// </summary>
public static class Extensions
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.AddDotEnvFile(
            DotEnvFile.FindNearest(builder.Environment.ContentRootPath, Directory.GetCurrentDirectory()));

        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        // Every error without a body of its own gets problem details; never an exception page.
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = BadRequests.Describe);
        // A body that cannot be bound (bad JSON, a wrong type) is the caller's error, not a 500.
        builder.Services.Configure<ExceptionHandlerOptions>(options => options.StatusCodeSelector = BadRequests.StatusCodeOf);

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter([.. TelemetryNames.All]))
            .WithTracing(tracing => tracing
                .AddSource([.. TelemetryNames.All])
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Probes would drown the traces that matter.
                    aspNetCore.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpoints.HealthPath)
                        && !context.Request.Path.StartsWithSegments(HealthEndpoints.AlivePath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthEndpoints.LiveTag]);

        return builder;
    }

    /// <summary>
    /// /health runs every check (ready to serve); /alive runs only the "live" ones (the process
    /// is not stuck). Both stay anonymous so orchestrators can probe them.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // An unhandled exception answers 500 with problem details and the trace id, in every
        // environment: the developer exception page would hand callers the exception type, the
        // stack and server paths. The exception itself goes to the logs and the trace.
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapHealthChecks(HealthEndpoints.HealthPath);
        app.MapHealthChecks(HealthEndpoints.AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(HealthEndpoints.LiveTag),
        });

        return app;
    }
}
