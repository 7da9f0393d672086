//! `mandelbrot`: one image row per task. Rows through the set cost far
//! more than rows outside it, so scheduling and chunk size matter.

use crate::{CpuWorkload, Kind, ParamError, ParamSpec, Params, WorkloadInfo};

/// Escape-time iteration counts over [-2.5, 1] × [-1, 1]; a batch of N
/// tasks renders an image N rows high.
#[derive(Clone, Copy, Debug)]
pub struct Mandelbrot {
    width: u32,
    max_iter: u32,
}

/// A row of the image: its index and the image height.
pub type Row = (u32, u32);

impl CpuWorkload for Mandelbrot {
    const INFO: WorkloadInfo = WorkloadInfo {
        id: "mandelbrot",
        kind: Kind::Cpu,
        description: "one Mandelbrot image row per task: uneven task cost, so scheduling matters",
        default_tasks: 600,
        params: &[
            ParamSpec {
                name: "width",
                default: "800",
                help: "pixels per row",
            },
            ParamSpec {
                name: "max_iter",
                default: "1000",
                help: "escape-time iteration limit per pixel",
            },
        ],
    };
    type Task = Row;

    fn from_params(p: &Params) -> Result<Self, ParamError> {
        Ok(Mandelbrot {
            width: p.get_at_least("width", 1u32)?,
            max_iter: p.get_at_least("max_iter", 1u32)?,
        })
    }

    fn tasks(&self, count: usize, _seed: u64) -> Vec<Row> {
        let height = count as u32;
        (0..height).map(|y| (y, height)).collect()
    }

    fn execute(&self, &(y, height): &Row) -> u64 {
        let ci = -1.0 + 2.0 * (y as f64 + 0.5) / height as f64;
        let mut digest = 0xcbf2_9ce4_8422_2325u64; // FNV-1a over the counts
        for x in 0..self.width {
            let cr = -2.5 + 3.5 * (x as f64 + 0.5) / self.width as f64;
            digest = (digest ^ escape(cr, ci, self.max_iter) as u64).wrapping_mul(0x0100_0000_01b3);
        }
        digest
    }
}

/// Iterations of `z = z² + c` before `|z| > 2`, capped at `max_iter`.
fn escape(cr: f64, ci: f64, max_iter: u32) -> u32 {
    let (mut zr, mut zi, mut i) = (0.0f64, 0.0f64, 0u32);
    while i < max_iter && zr * zr + zi * zi <= 4.0 {
        let t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_through_the_set_cost_more() {
        // Cost is counted in iterations, not time: the middle row crosses
        // the set, the top row is almost all outside it.
        let row_iters = |y: u32| -> u64 {
            let ci = -1.0 + 2.0 * (y as f64 + 0.5) / 64.0;
            (0..64)
                .map(|x| escape(-2.5 + 3.5 * (x as f64 + 0.5) / 64.0, ci, 200) as u64)
                .sum()
        };
        assert!(row_iters(32) > 5 * row_iters(0));
        let m = Mandelbrot {
            width: 64,
            max_iter: 200,
        };
        assert_ne!(m.execute(&(0, 64)), m.execute(&(32, 64)));
        assert_eq!(escape(0.0, 0.0, 200), 200, "the origin is in the set");
    }
}
