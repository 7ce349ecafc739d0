using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.BaseModels;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>A remote caller names models the operator made available, and never a folder of the server.</summary>
public sealed class ModelRootsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "finetunemesh-roots-" + Guid.NewGuid().ToString("N"));

    public ModelRootsTests()
    {
        ModelFolderInitializer.Write(Path.Combine(_root, "models", "team", "support-base"), new ModelFolderInitializer.Options { Seed = 1 });
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
        File.WriteAllText(Path.Combine(_root, "outside", "config.json"), "{}");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private BaseModelResolver Resolver(string? roots) => new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        [FineTuneSettings.BaseModel] = "builtin/tiny",
        [FineTuneSettings.ModelCache] = Path.Combine(_root, "cache"),
        [FineTuneSettings.ModelRoots] = roots,
    }).Build(), NullLogger<BaseModelResolver>.Instance);

    [Theory]
    [InlineData("../../../../etc")]
    [InlineData("/etc")]
    [InlineData("/")]
    [InlineData("~/.ssh")]
    [InlineData("./models")]
    [InlineData("team/../../outside")]
    [InlineData("..")]
    [InlineData("team\\support-base")]
    [InlineData("C:/Windows")]
    public async Task PathsAreRefused_WithoutNamingAServerFolder(string requested)
    {
        var (model, problem) = await Resolver(Path.Combine(_root, "models")).ResolveAsync(requested, null);
        Assert.Null(model);
        Assert.Contains("not allowed", problem);
        Assert.DoesNotContain(_root, problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFolderUnderAModelRoot_IsNamedRelativeToTheRoot()
    {
        var (model, problem) = await Resolver(Path.Combine(_root, "models")).ResolveAsync("team/support-base", null);
        Assert.Null(problem);
        Assert.Equal("team/support-base", model!.Name);
        Assert.Equal(Path.Combine(_root, "models", "team", "support-base"), model.Folder);
    }

    [Fact]
    public async Task WithoutModelRoots_AFolderNameIsUnknown_AndTheProblemSaysNoneAreConfigured()
    {
        var (model, problem) = await Resolver(null).ResolveAsync("team/support-base", null);
        Assert.Null(model);
        Assert.Contains("unknown base model", problem);
        Assert.Contains("none configured", problem);
    }

    [Fact]
    public async Task TheConfiguredModelAndTheBuiltinOne_StillResolve()
    {
        var resolver = Resolver(null);
        Assert.Equal(BuiltinModels.Tiny, (await resolver.ResolveAsync(null, null)).Model!.Name);
        Assert.Equal(BuiltinModels.Tiny, (await resolver.ResolveAsync("builtin/tiny", null)).Model!.Name);
    }

    [Fact]
    public void AFolderOutsideEveryRoot_IsNotFound()
    {
        Assert.Null(ModelRoots.Find([Path.Combine(_root, "models")], "outside"));
        Assert.Null(ModelRoots.Find([Path.Combine(_root, "models")], "team"));
    }
}
