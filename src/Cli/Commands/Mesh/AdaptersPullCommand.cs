using System.ComponentModel;
using System.Security.Cryptography;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh.Adapters;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>
/// <c>adapters pull NAME[:VERSION] [--output DIR]</c>: downloads an adapter version's files (the
/// PEFT adapter, metrics, evaluation, manifest), each checked against the manifest's SHA-256, into
/// a folder that <c>generate --adapter DIR</c> and <c>adapter merge</c> take.
/// </summary>
public sealed class AdaptersPullCommand : MeshCommand<AdaptersPullCommand.Settings>
{
    public sealed class Settings : MeshSettings
    {
        [CommandArgument(0, "<NAME[:VERSION]>")] public string Name { get; init; } = "";
        [CommandOption("-o|--output <DIR>"), Description("Where to write the files (default: ./NAME-vVERSION).")] public string? Output { get; init; }
    }

    protected override async Task<int> RunAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken)
    {
        var (name, version) = Split(settings.Name);
        var path = $"api/train/adapters/{Uri.EscapeDataString(name)}";
        var manifest = version is { } v
            ? await mesh.GetAsync<AdapterManifest>($"{path}/versions/{v}", cancellationToken)
            : (await mesh.GetAsync<LatestAdapter>(path, cancellationToken)).Latest;
        var folder = settings.Output ?? $"{manifest.Name}-v{manifest.Version}";
        Directory.CreateDirectory(folder);
        foreach (var file in manifest.Files)
        {
            var bytes = await mesh.GetBytesAsync($"{path}/versions/{manifest.Version}/files/{Uri.EscapeDataString(file.Name)}", cancellationToken);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (sha256 != file.Sha256)
            {
                throw new MeshException($"{file.Name}: SHA-256 {sha256} does not match the manifest's {file.Sha256}; nothing is trusted, try again.",
                    MeshExitCodes.Unavailable);
            }

            await File.WriteAllBytesAsync(Path.Combine(folder, Path.GetFileName(file.Name)), bytes, cancellationToken);
            Console.WriteLine($"  {file.Name} ({bytes.Length:N0} bytes, SHA-256 checked)");
        }

        await File.WriteAllBytesAsync(Path.Combine(folder, "manifest.json"), FineTuneMesh.Mesh.MeshJson.Serialize(manifest), cancellationToken);
        Console.WriteLine($"adapter {manifest.Name} v{manifest.Version} written to {folder}");
        return MeshExitCodes.Success;
    }

    private static (string Name, int? Version) Split(string reference)
    {
        var colon = reference.LastIndexOf(':');
        if (colon < 0)
        {
            return (reference, null);
        }

        var version = reference[(colon + 1)..].TrimStart('v');
        return int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? (reference[..colon], number)
            : throw new MeshException($"'{reference}' is not NAME or NAME:VERSION (a number, e.g. support-bot:3).", MeshExitCodes.Refused);
    }

    private sealed record LatestAdapter(AdapterManifest Latest);
}
