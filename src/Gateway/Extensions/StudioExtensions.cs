namespace FineTuneMesh.Gateway.Extensions;

/// <summary>
/// The Studio: static files (wwwroot) at the gateway's root, a page over the mesh's own APIs. The
/// files hold no secrets and the page must load before anyone has typed the API key, so they are
/// served ahead of the key check; every API call the page makes carries the key and is checked.
/// </summary>
public static class StudioExtensions
{
    public static WebApplication UseStudio(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // The page changes with the build: browsers revalidate instead of running an old copy.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
