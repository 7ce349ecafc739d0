using FineTuneMesh.Core.Hub;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace FineTuneMesh.BaseModels;

/// <summary>Where a service keeps models and downloaded adapters: FINETUNE_MODEL_CACHE, else the Hub client's default.</summary>
public static class ModelCache
{
    public static string Root(IConfiguration configuration) =>
        configuration[FineTuneSettings.ModelCache] is { Length: > 0 } root ? root : HubClient.DefaultCacheRoot();
}
