using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTuneMesh.Cli.Mesh;

/// <summary>The local files a mesh command sends: read here, so a missing file or a broken line is named before anything is sent.</summary>
public static class LocalInputFiles
{
    public static string ReadText(string path, string option) =>
        string.IsNullOrEmpty(path) ? throw new MeshException($"{option} FILE is required.", MeshExitCodes.Refused)
        : File.Exists(path) ? File.ReadAllText(path)
        : throw new MeshException($"no file '{path}' ({option}).", MeshExitCodes.Refused);

    /// <summary>Every non-blank line of a JSONL file as JSON, or the line that is not JSON.</summary>
    public static JsonArray ReadJsonLines(string path, string option)
    {
        var records = new JsonArray();
        var number = 0;
        foreach (var line in ReadText(path, option).Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                records.Add(JsonNode.Parse(line));
            }
            catch (JsonException e)
            {
                throw new MeshException($"{Path.GetFileName(path)} line {number} is not JSON: {e.Message}", MeshExitCodes.Refused);
            }
        }

        return records;
    }
}
