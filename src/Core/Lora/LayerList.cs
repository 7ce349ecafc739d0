using System.Globalization;

namespace FineTuneMesh.Core.Lora;

/// <summary>Layer lists as people type them: "12-23", "0,2,4" or "12-15,20".</summary>
public static class LayerList
{
    /// <returns>the layer indices in order, or null for null or empty text (every layer)</returns>
    public static IReadOnlyList<int>? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var layers = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', 2);
            if (!int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(range.Length == 2 ? range[1] : range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var to) || to < from)
            {
                throw new ArgumentException($"'{part}' is not a layer or a range of layers; write e.g. 12-23 or 0,2,4.");
            }

            for (var layer = from; layer <= to; layer++)
            {
                layers.Add(layer);
            }
        }

        return [.. layers];
    }
}
