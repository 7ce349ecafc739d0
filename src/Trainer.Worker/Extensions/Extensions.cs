using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Extensions;

public static class Extensions
{
    /// <summary>All of the service's DI in one place.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();

        builder.Services.AddOptions<TrainerOptions>()
            .BindConfiguration(TrainerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<TrainerOptions>>((host, trainer) => host.ShutdownTimeout = trainer.Value.ShutdownTimeout);

        return builder;
    }
}
