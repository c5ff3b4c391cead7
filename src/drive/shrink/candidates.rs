//! The smaller scenarios a shrink tries in place of one that breaks an invariant, biggest cut
//! first: a step dropped, fewer clicks, a fault or webhook script gone or milder, no pause, no
//! expectation, smaller amounts. Only candidates that still read as a valid scenario file are
//! offered, so whatever the shrink keeps can be written and replayed.

use crate::spec::{Scenario, Step};

/// Every candidate one change smaller than `s`, biggest cut first.
pub fn smaller(s: &Scenario) -> Vec<Scenario> {
    let mut out = Vec::new();
    for i in (1..s.steps.len()).rev() {
        out.extend(without_step(s, i));
    }
    for i in 0..s.steps.len() {
        let step = &s.steps[i];
        if step.clicks > 1 {
            out.push(with_step(s, i, |st| {
                st.clicks = 1;
                st.together = false;
                st.distinct_keys = false;
                st.stagger = None;
            }));
            if step.clicks > 2 {
                out.push(with_step(s, i, |st| st.clicks = (st.clicks / 2).max(2)));
            }
        }
        if step.fault.is_some() {
            out.push(with_step(s, i, |st| st.fault = None));
            if step.fault.is_some_and(|f| f.times > 1) {
                out.push(with_step(s, i, |st| st.fault.iter_mut().for_each(|f| f.times = 1)));
            }
        }
        if let Some(w) = step.webhook {
            out.push(with_step(s, i, |st| st.webhook = None));
            if w.copies > 2 {
                out.push(with_step(s, i, |st| st.webhook.iter_mut().for_each(|w| w.copies = 2)));
            }
            for off in [
                |w: &mut crate::spec::WebhookScript| w.late = None,
                |w: &mut crate::spec::WebhookScript| w.out_of_order = false,
                |w: &mut crate::spec::WebhookScript| w.bad_signature = false,
                |w: &mut crate::spec::WebhookScript| w.before_confirm = false,
            ] {
                let mut milder = w;
                off(&mut milder);
                if milder != w {
                    out.push(with_step(s, i, |st| st.webhook = Some(milder)));
                }
            }
        }
        if step.wait.is_some() {
            out.push(with_step(s, i, |st| st.wait = None));
        }
        if step.stagger.is_some() {
            out.push(with_step(s, i, |st| st.stagger = None));
        }
        if !step.expect.is_empty() {
            out.push(with_step(s, i, |st| st.expect = Default::default()));
        }
    }
    out.extend(amounts_divided(s, 10));
    out.into_iter().filter_map(|c| valid(&c)).filter(|c| c != s).collect()
}

/// `s` without step `i` (0-based, never the create): later steps move up, and a later step
/// reusing its key makes the cut impossible.
fn without_step(s: &Scenario, i: usize) -> Option<Scenario> {
    let dropped = i + 1;
    if s.steps.iter().any(|st| st.reuse_key == Some(dropped)) {
        return None;
    }
    let mut c = s.clone();
    c.steps.remove(i);
    for (n, st) in c.steps.iter_mut().enumerate() {
        st.index = n + 1;
        st.reuse_key = st.reuse_key.map(|k| if k > dropped { k - 1 } else { k });
    }
    Some(c)
}

fn with_step(s: &Scenario, i: usize, change: impl FnOnce(&mut Step)) -> Scenario {
    let mut c = s.clone();
    change(&mut c.steps[i]);
    c
}

/// Every amount and expected balance divided by `by`, when each divides evenly.
fn amounts_divided(s: &Scenario, by: i64) -> Option<Scenario> {
    let amounts = s.steps.iter().flat_map(|st| [st.amount, st.expect.balance]).flatten();
    let mut any = false;
    for a in amounts {
        if a % by != 0 || (a != 0 && a / by == 0) {
            return None;
        }
        any |= a != 0;
    }
    if !any {
        return None;
    }
    let mut c = s.clone();
    for st in &mut c.steps {
        st.amount = st.amount.map(|a| a / by);
        st.expect.balance = st.expect.balance.map(|b| b / by);
    }
    Some(c)
}

/// The candidate as its file would read back, or none when the file would be refused.
pub fn valid(c: &Scenario) -> Option<Scenario> {
    Scenario::parse(&c.file, &c.to_toml()).ok().map(|mut parsed| {
        parsed.file = c.file.clone();
        parsed
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(text: &str) -> Scenario {
        Scenario::parse(Path::new("x.toml"), text).unwrap()
    }

    #[test]
    fn each_candidate_is_one_change_smaller_and_valid() {
        let s = parse(
            "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 10000\nclicks = 5\ntogether = true\n\
             [[steps]]\nop = \"approve\"\nfault = { timeout = true, times = 2 }\nexpect = { balance = 10000 }\n\
             [[steps]]\nop = \"create_order\"\namount = 10000\nreuse_key = 1\n",
        );
        let c = smaller(&s);
        // Step 2 can go; step 3 can go; nothing drops step 1 (its key is reused, and it creates).
        assert!(c.iter().any(|c| c.steps.len() == 2 && c.steps[1].reuse_key == Some(1)));
        assert!(c.iter().any(|c| c.steps.len() == 2 && c.steps[1].op == crate::spec::Op::Approve));
        assert!(c.iter().all(|c| c.steps[0].op == crate::spec::Op::CreateOrder));
        assert!(c.iter().any(|c| c.steps[0].clicks == 1 && !c.steps[0].together));
        assert!(c.iter().any(|c| c.steps[0].clicks == 2 && c.steps[0].together));
        assert!(c.iter().any(|c| c.steps[1].fault.is_none()));
        assert!(c.iter().any(|c| c.steps[1].fault.is_some_and(|f| f.times == 1)));
        assert!(c.iter().any(|c| c.steps[0].amount == Some(1000) && c.steps[1].expect.balance == Some(1000)));
        for candidate in &c {
            assert_ne!(candidate, &s);
            assert!(valid(candidate).is_some());
        }
    }

    #[test]
    fn a_step_whose_key_is_reused_stays() {
        let s = parse(
            "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 100\n[[steps]]\nop = \"approve\"\n\
             [[steps]]\nop = \"approve\"\nreuse_key = 2\n",
        );
        assert!(without_step(&s, 1).is_none());
        let cut = without_step(&s, 2).unwrap();
        assert_eq!(cut.steps.len(), 2);
    }
}
