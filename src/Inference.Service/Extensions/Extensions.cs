namespace FineTuneMesh.Inference.Service.Extensions;

public static class Extensions
{
    /// <summary>All of the service's DI in one place.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();

        return builder;
    }
}
