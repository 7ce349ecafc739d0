namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// One numeric setting's range in a sweep: explicit <see cref="Values"/>, or <see cref="Min"/> to
/// <see cref="Max"/> in <see cref="Steps"/> points (evenly, or evenly in log space when
/// <see cref="Log"/>); random sampling without steps draws from the whole range.
/// </summary>
public sealed record SweepDimension
{
    public IReadOnlyList<double>? Values { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public int? Steps { get; init; }
    public bool Log { get; init; }

    /// <summary>Every problem with the range, each naming it.</summary>
    public IEnumerable<string> Problems(string name, bool integer)
    {
        if (Values is not null)
        {
            if (Values.Count == 0)
            {
                yield return $"space.{name}.values is empty: give at least one value.";
            }

            foreach (var value in Values.Where(v => double.IsNaN(v) || double.IsInfinity(v) || v <= 0 || (integer && v != Math.Floor(v))))
            {
                yield return $"space.{name}.values: {value} is not a positive {(integer ? "whole number" : "number")}.";
            }

            yield break;
        }

        if (Min is not { } min || Max is not { } max)
        {
            yield return $"space.{name} needs \"values\" or both \"min\" and \"max\".";
            yield break;
        }

        if (min <= 0 || double.IsNaN(min) || double.IsInfinity(max))
        {
            yield return $"space.{name}.min must be a positive number, got {min}.";
        }

        if (min > max)
        {
            yield return $"space.{name} is inverted: min {min} is above max {max}.";
        }

        if (Steps is < 1)
        {
            yield return $"space.{name}.steps must be at least 1, got {Steps}.";
        }
    }

    /// <summary>The grid points: the values, or <see cref="Steps"/> points from min to max; null when the range is continuous.</summary>
    public IReadOnlyList<double>? Points(bool integer)
    {
        if (Values is not null)
        {
            return Values;
        }

        if (Steps is not { } steps)
        {
            return null;
        }

        var (min, max) = (Min!.Value, Max!.Value);
        var points = Enumerable.Range(0, steps).Select(i => steps == 1 ? min
            : Log ? Math.Exp(Math.Log(min) + (Math.Log(max) - Math.Log(min)) * i / (steps - 1))
            : min + (max - min) * i / (steps - 1));
        return [.. points.Select(p => integer ? Math.Round(p) : p).Distinct()];
    }

    /// <summary>A random point: one of the grid points, or a draw from the continuous range.</summary>
    public double Sample(Random random, bool integer)
    {
        if (Points(integer) is { } points)
        {
            return points[random.Next(points.Count)];
        }

        var (min, max) = (Min!.Value, Max!.Value);
        var value = Log ? Math.Exp(Math.Log(min) + random.NextDouble() * (Math.Log(max) - Math.Log(min))) : min + random.NextDouble() * (max - min);
        return integer ? Math.Round(value) : value;
    }
}
