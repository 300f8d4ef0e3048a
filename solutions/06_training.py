"""Solutions to the exercises of 06_training."""
import torch.nn.functional as F


# 1. One step of the recipe. backward() adds to the gradients already in .grad, so they are cleared first (zero_grad);
#    the loss is taken on colours in [0, 1], as the model returns them, and returned as a number.
def my_step(model, opt, batch):
    pred = model(batch['inp'], batch['coord'], batch['cell'])
    loss = F.l1_loss(pred, batch['gt'])
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


# 2. The same. Adam's step is lr * m / (sqrt(v) + eps): twice the loss doubles the gradients, so m and sqrt(v) both double
#    and the step does not change (up to eps). The measurement in the notebook gives a ratio of 1 to many digits.
prediction = 'same'
